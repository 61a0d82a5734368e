import { describe, expect, it } from "vitest";
import { filterOf, searchOf } from "./inboxFilter";

describe("inbox filter in the address", () => {
  it("reads unread and a known type", () => {
    expect(filterOf(new URLSearchParams("unread=true&type=off_track"))).toEqual({ unreadOnly: true, type: "off_track" });
  });

  it("shows everything for no or unknown values", () => {
    expect(filterOf(new URLSearchParams(""))).toEqual({ unreadOnly: false, type: "" });
    expect(filterOf(new URLSearchParams("unread=yes&type=nonsense"))).toEqual({ unreadOnly: false, type: "" });
  });

  it("writes only what narrows the list", () => {
    expect(searchOf({ unreadOnly: false, type: "" })).toEqual({});
    expect(searchOf({ unreadOnly: true, type: "deadline_missed" })).toEqual({ unread: "true", type: "deadline_missed" });
  });
});
