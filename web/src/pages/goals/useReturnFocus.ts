import { useEffect, useRef } from "react";

/**
 * Keyboard focus back on the element that opened an inline editor or question once it closes (the element
 * was not rendered meanwhile, so focus would otherwise fall back to the page). Put the ref on that element.
 */
export function useReturnFocus<T extends HTMLElement>(open: boolean) {
  const opener = useRef<T>(null);
  const wasOpen = useRef(open);
  useEffect(() => {
    if (wasOpen.current && !open) opener.current?.focus();
    wasOpen.current = open;
  }, [open]);
  return opener;
}

/** Moves focus to a section's heading (which has tabIndex -1): where to go when the focused item is removed. */
export function focusHeading(id: string): void {
  document.getElementById(id)?.focus();
}
