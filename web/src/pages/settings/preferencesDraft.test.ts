import { describe, expect, it } from "vitest";
import { DEFAULT_PREFERENCES } from "./fixtures";
import { changesOf, draftOf, fieldsNamedIn } from "./preferencesDraft";


describe("changesOf", () => {
  it("is empty when nothing changed", () => {
    expect(changesOf(DEFAULT_PREFERENCES, draftOf(DEFAULT_PREFERENCES))).toEqual({});
  });

  it("sends only what changed, blank text as null and numbers as numbers", () => {
    const saved = { ...DEFAULT_PREFERENCES, email: "a@example.com" };
    const draft = {
      ...draftOf(saved),
      email: "  ",
      phone: " +14155550123 ",
      sms_enabled: true,
      max_alerts_per_day: "10",
      min_hours_between_alerts: "0.5",
      enabled_alerts: ["goal_completed" as const, "milestone_50" as const, "off_track" as const],
    };
    expect(changesOf(saved, draft)).toEqual({
      email: null,
      phone: "+14155550123",
      sms_enabled: true,
      max_alerts_per_day: 10,
      min_hours_between_alerts: 0.5,
    });
  });

  it("turns quiet hours off as both nulls and on again with their times", () => {
    const off = changesOf(DEFAULT_PREFERENCES, { ...draftOf(DEFAULT_PREFERENCES), quiet_hours: false });
    expect(off).toEqual({ quiet_hours_start: null, quiet_hours_end: null });
    const none = { ...DEFAULT_PREFERENCES, quiet_hours_start: null, quiet_hours_end: null };
    expect(draftOf(none)).toMatchObject({ quiet_hours: false, quiet_hours_start: "22:00", quiet_hours_end: "08:00" });
    const on = { ...draftOf(none), quiet_hours: true, quiet_hours_start: "23:30", timezone: "Europe/Paris" };
    expect(changesOf(none, on)).toEqual({
      quiet_hours_start: "23:30",
      quiet_hours_end: "08:00",
      timezone: "Europe/Paris",
    });
  });

  it("passes a number field that is no number as typed, for the API to refuse", () => {
    const draft = { ...draftOf(DEFAULT_PREFERENCES), max_alerts_per_day: "" };
    expect(changesOf(DEFAULT_PREFERENCES, draft)).toEqual({ max_alerts_per_day: "" });
  });
});

describe("fieldsNamedIn", () => {
  it("finds the fields a 422's detail names", () => {
    const detail =
      "phone: Value error, phone must be an E.164 number; max_alerts_per_day: Input should be a valid integer";
    expect(fieldsNamedIn(detail)).toEqual(new Set(["phone", "max_alerts_per_day"]));
  });

  it("finds the field a sentence starts with, and nothing in other words", () => {
    expect(fieldsNamedIn("webhook_url must be an https URL")).toEqual(new Set(["webhook_url"]));
    expect(fieldsNamedIn("The request failed (HTTP 500)")).toEqual(new Set());
    expect(fieldsNamedIn(null)).toEqual(new Set());
  });
});
