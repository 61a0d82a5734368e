import { describe, expect, it } from "vitest";
import { addCalendarMonths, draftForCustom, draftFromTemplate, emptyDraft, localToday } from "./draft";
import { EMERGENCY_FUND } from "./fixtures";

describe("a template's draft", () => {
  it("fills in the name, type, description and a target date its timeline away", () => {
    const draft = draftFromTemplate(emptyDraft(), EMERGENCY_FUND, "2026-12-03");
    expect(draft).toMatchObject({
      name: "6-Month Emergency Fund",
      type: "emergency_fund",
      description: "Build 6 months of expenses for comprehensive security.",
      deadline: "2028-12-03",
    });
  });

  it("keeps the reminder choices, and a custom goal after a template starts clean", () => {
    const before = { ...emptyDraft(), reminderDay: "15", goalAlerts: ["off_track"] };
    const fromTemplate = draftFromTemplate(before, EMERGENCY_FUND, "2026-12-03");
    expect(fromTemplate).toMatchObject({ reminderDay: "15", goalAlerts: ["off_track"] });
    const custom = draftForCustom(fromTemplate);
    expect(custom).toMatchObject({ name: "", type: "", deadline: "", reminderDay: "15", source: { kind: "custom" } });
  });

  it("keeps what was typed when a custom goal stays custom", () => {
    const typed = { ...draftForCustom(emptyDraft()), name: "Boat" };
    expect(draftForCustom(typed).name).toBe("Boat");
  });
});

describe("calendar months", () => {
  it("count as the API counts them", () => {
    expect(addCalendarMonths("2026-12-03", 24)).toBe("2028-12-03");
    expect(addCalendarMonths("2027-01-31", 1)).toBe("2027-02-28");
    expect(addCalendarMonths("2027-11-30", 3)).toBe("2028-02-29");
  });

  it("start from today in the person's zone", () => {
    expect(localToday(new Date(2026, 11, 3, 23, 30))).toBe("2026-12-03");
  });
});
