import { useState } from "react";
import type { Milestone } from "../../api/types/goals";

/**
 * The milestones that became reached since the page first showed them (after a progress entry or an edit),
 * to announce; null until one does. The page's first view announces nothing.
 */
export function useNewlyReached(milestones: readonly Milestone[]): Milestone[] | null {
  const reached = milestones.filter((milestone) => milestone.reached).map((milestone) => milestone.id);
  const reachedKey = reached.join(" ");
  const [known, setKnown] = useState(reachedKey);
  const [fresh, setFresh] = useState<Milestone[] | null>(null);
  // Adjusting state to new props during render, as React documents it: no extra render of stale state.
  if (reachedKey !== known) {
    const before = new Set(known.split(" "));
    const newly = milestones.filter((milestone) => milestone.reached && !before.has(milestone.id));
    setKnown(reachedKey);
    if (newly.length > 0) setFresh(newly);
  }
  return fresh;
}
