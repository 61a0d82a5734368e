import { render, screen } from "@testing-library/react";
import { SWRConfig } from "swr";
import useSWRInfinite from "swr/infinite";
import { describe, expect, it, vi } from "vitest";
import { useReadAgainOnArrival } from "./useApi";

function List({ read }: { read: () => Promise<string[]> }) {
  const pages = useSWRInfinite((index) => (index === 0 ? ["/positions", "list"] : null), read);
  useReadAgainOnArrival(pages);
  return <p>{pages.data === undefined ? "Loading" : pages.data.flat().join(",") || "Empty"}</p>;
}

function ListWithoutTheHook({ read }: { read: () => Promise<string[]> }) {
  const pages = useSWRInfinite((index) => (index === 0 ? ["/positions", "list"] : null), read);
  return <p>{pages.data === undefined ? "Loading" : pages.data.flat().join(",") || "Empty"}</p>;
}

/** Shows the list, leaves, and comes back after the list changed, within SWR's deduplication interval (long
 * here, 2 s in the app: a person who closes a position and goes straight back is that quick). */
async function comeBackAfterAChange(Shown: typeof List) {
  let stored = ["BTC"];
  const read = vi.fn(async () => stored);
  const cache = new Map();
  // The cache outlives the page, as the app's does: one SWRConfig, the list shown, left and shown again.
  const view = (shown: boolean) => (
    <SWRConfig value={{ provider: () => cache, dedupingInterval: 60_000 }}>
      {shown ? <Shown read={read} /> : <p>Elsewhere</p>}
    </SWRConfig>
  );
  const app = render(view(true));
  expect(await screen.findByText("BTC")).toBeInTheDocument();
  app.rerender(view(false));
  stored = [];
  app.rerender(view(true));
  return read;
}

describe("useReadAgainOnArrival", () => {
  it("reads a list shown from the cache again on arrival", async () => {
    const read = await comeBackAfterAChange(List);
    expect(await screen.findByText("Empty")).toBeInTheDocument();
    expect(read).toHaveBeenCalledTimes(2);
  });

  it("is needed: within the deduplication interval SWR alone shows the cached list", async () => {
    const read = await comeBackAfterAChange(ListWithoutTheHook);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(screen.getByText("BTC")).toBeInTheDocument();
    expect(read).toHaveBeenCalledTimes(1);
  });
});
