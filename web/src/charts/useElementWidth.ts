import { useEffect, useState, type RefObject } from "react";

/**
 * The element's content width, followed as it resizes, so that a chart's viewBox matches the pixels it gets
 * and its text stays at its real size on a phone. `fallback` until measured (and where ResizeObserver is
 * missing, as in jsdom).
 */
export function useElementWidth(element: RefObject<HTMLElement | null>, fallback: number): number {
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const target = element.current;
    if (target === null || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver((entries) => {
      const measured = entries[0]?.contentRect.width;
      if (measured !== undefined && measured > 0) setWidth(Math.round(measured));
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [element]);
  return width;
}
