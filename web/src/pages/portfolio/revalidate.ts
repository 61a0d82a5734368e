// After a write, every cached read it may have changed is fetched again: the pages' SWR keys are
// [path, query], so a write names the paths it touches.

import { useCallback } from "react";
import { useSWRConfig } from "swr";

/** Revalidates every cached read of one of `paths` or below it ("/portfolio" covers "/portfolio/cash"). Lists read
 * with useSWRInfinite are not among them (SWR leaves those to their own `mutate`), but they revalidate on mount. */
export function useRevalidate(): (...paths: string[]) => Promise<void> {
  const { mutate } = useSWRConfig();
  return useCallback(
    async (...paths: string[]) => {
      await mutate((key) => {
        const path = keyPath(key);
        return paths.some((under) => path === under || path.startsWith(`${under}/`));
      });
    },
    [mutate],
  );
}

function keyPath(key: unknown): string {
  if (typeof key === "string") return key;
  if (Array.isArray(key) && typeof key[0] === "string") return key[0];
  return "";
}
