import { describe, expect, it } from "vitest";
import { formatCalendarDate, formatDateTime, formatMoney, formatPercent } from "./format";

describe("formatMoney", () => {
  it("formats JSON numbers as money in the given currency", () => {
    expect(formatMoney(1125, "USD", "en-US")).toBe("$1,125.00");
    expect(formatMoney(-42.5, "USD", "en-US")).toBe("-$42.50");
    expect(formatMoney(10000, "EUR", "de-DE").replace(/\s/g, " ")).toBe("10.000,00 €");
  });

  it("rounds the decimal the API sent, not its binary float neighbour", () => {
    // 1.005 as a double is 1.00499999999999989...; the API meant 1.005.
    expect(formatMoney(1.005, "USD", "en-US")).toBe("$1.01");
    expect(formatMoney(1234.565, "USD", "en-US")).toBe("$1,234.57");
  });

  it("takes decimal strings exactly, beyond a double's precision", () => {
    expect(formatMoney("12345678901234567.89", "USD", "en-US")).toBe("$12,345,678,901,234,567.89");
  });

  it("shows a dash for a missing amount", () => {
    expect(formatMoney(null, "USD", "en-US")).toBe("—");
  });
});

describe("formatPercent", () => {
  it("formats percent_complete values as percentages", () => {
    expect(formatPercent(25, "en-US")).toBe("25%");
    expect(formatPercent(33.333, "en-US")).toBe("33.3%");
    expect(formatPercent(0.05, "en-US")).toBe("0.1%");
  });
});

describe("formatCalendarDate", () => {
  it("shows a YYYY-MM-DD date as that calendar date in any zone", () => {
    expect(formatCalendarDate("2027-11-09", "en-US")).toBe("Nov 9, 2027");
    expect(formatCalendarDate("2027-01-01", "en-GB")).toBe("1 Jan 2027");
  });

  it("takes a deadline sent as midnight UTC as its calendar date", () => {
    expect(formatCalendarDate("2026-11-09T00:00:00+00:00", "en-US")).toBe("Nov 9, 2026");
  });

  it("returns anything else unchanged", () => {
    expect(formatCalendarDate("soon", "en-US")).toBe("soon");
  });
});

describe("formatDateTime", () => {
  it("shows a timestamp in the given time zone", () => {
    expect(formatDateTime("2026-11-21T14:30:00+00:00", "en-US", "America/New_York")).toBe("Nov 21, 2026, 9:30 AM");
    expect(formatDateTime("2026-11-21T23:30:00Z", "en-GB", "Asia/Tokyo")).toBe("22 Nov 2026, 08:30");
  });
});
