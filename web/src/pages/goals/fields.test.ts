// @vitest-environment node
import { describe, expect, it } from "vitest";
import { localToday, parseAmount } from "./fields";

describe("parseAmount", () => {
  it("reads plain decimals, negative ones and thousands separators", () => {
    expect(parseAmount("1500")).toBe(1500);
    expect(parseAmount(" 1,250.50 ")).toBe(1250.5);
    expect(parseAmount("-200")).toBe(-200);
    expect(parseAmount(".5")).toBe(0.5);
  });

  it("refuses what is not an amount", () => {
    for (const text of ["", "abc", "1e3", "12.3.4", "--1", "Infinity"]) expect(parseAmount(text)).toBeNull();
  });
});

describe("localToday", () => {
  it("is the date in the user's zone", () => {
    expect(localToday(new Date(2026, 2, 5, 23, 30))).toBe("2026-03-05");
  });
});
