// @vitest-environment node
import { describe, expect, it } from "vitest";
import { ringGeometry } from "./ring";

describe("ringGeometry", () => {
  it("fills the share of the circle that the percentage says", () => {
    const ring = ringGeometry(25, 100, 10);
    expect(ring.radius).toBe(45);
    expect(ring.circumference).toBeCloseTo(2 * Math.PI * 45);
    expect(ring.dashOffset).toBeCloseTo(ring.circumference * 0.75);
    expect(ring.filled).toBe(25);
  });

  it("is full past 100 and empty below 0 or when unknown", () => {
    expect(ringGeometry(140, 100, 10).dashOffset).toBe(0);
    expect(ringGeometry(-5, 100, 10).filled).toBe(0);
    expect(ringGeometry(null, 100, 10).filled).toBe(0);
    expect(ringGeometry(Number.NaN, 100, 10).filled).toBe(0);
  });
});
