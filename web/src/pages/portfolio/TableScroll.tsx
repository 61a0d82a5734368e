import type { ReactNode } from "react";

/**
 * A wide table that scrolls sideways inside its own box on a phone. The box takes keyboard focus so that
 * keyboard users can scroll it too (WCAG 2.1.1; axe's scrollable-region-focusable), and is named for that stop.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrolling region must be reachable by keyboard
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** Column headers of figures, right-aligned as their cells are. */
export function NumberHeaders({ names }: { names: readonly string[] }) {
  return names.map((name) => (
    <th key={name} scope="col" className="number">
      {name}
    </th>
  ));
}
