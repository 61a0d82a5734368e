import { useEffect, useRef } from "react";

const FOCUSABLE = "input, select, textarea, button, a[href]";

/**
 * Keeps keyboard focus in place when a part of the page switches between two states (a value and its editor, a
 * button and its confirmation): the control that was focused goes away, so focus moves to the first control of
 * what replaced it. Returns the ref for the part's container. Nothing moves on the first render.
 */
export function useFocusOnSwitch<T extends HTMLElement>(state: unknown) {
  const container = useRef<T>(null);
  const previous = useRef(state);
  useEffect(() => {
    if (Object.is(previous.current, state)) return;
    previous.current = state;
    container.current?.querySelector<HTMLElement>(FOCUSABLE)?.focus();
  }, [state]);
  return container;
}
