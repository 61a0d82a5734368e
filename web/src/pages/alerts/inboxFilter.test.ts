import { describe, expect, it } from "vitest";
import { filterOf, searchOf } from "./inboxFilter";

describe("inbox filter in the address", () => {
  it("reads unread and a known type", () => {
    const filter = filterOf(new URLSearchParams("unread=true&type=off_track"));
    expect(filter).toEqual({ unreadOnly: true, type: "off_track" });
  });

  it("shows everything for no or unknown values", () => {
    expect(filterOf(new URLSearchParams(""))).toEqual({ unreadOnly: false, type: "" });
    expect(filterOf(new URLSearchParams("unread=yes&type=nonsense"))).toEqual({ unreadOnly: false, type: "" });
  });

  it("writes only what narrows the list", () => {
    expect(searchOf({ unreadOnly: false, type: "" })).toEqual({});
    const search = searchOf({ unreadOnly: true, type: "deadline_missed" });
    expect(search).toEqual({ unread: "true", type: "deadline_missed" });
  });
});
