// @vitest-environment node
import { describe, expect, it } from "vitest";
import { extent, linePath, niceTicks, scaleLinear } from "./scale";

describe("scaleLinear", () => {
  it("maps the domain onto the range, inverted ranges included (SVG y grows downwards)", () => {
    const y = scaleLinear([0, 100], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(25)).toBe(150);
    expect(y(100)).toBe(0);
  });

  it("puts every value of a one-value domain in the middle", () => {
    expect(scaleLinear([5, 5], [0, 100])(5)).toBe(50);
  });
});

describe("extent", () => {
  it("is the smallest and largest value, or null for none", () => {
    expect(extent([3, -1, 7])).toEqual([-1, 7]);
    expect(extent([])).toBeNull();
  });
});

describe("niceTicks", () => {
  it("picks round steps that cover the values", () => {
    expect(niceTicks(0, 10000, 5)).toEqual([0, 2000, 4000, 6000, 8000, 10000]);
    expect(niceTicks(2500, 9100, 4)).toEqual([2000, 4000, 6000, 8000, 10000]);
    expect(niceTicks(0.2, 0.9, 4)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
  });

  it("gives one tick for a flat series", () => {
    expect(niceTicks(50, 50, 5)).toEqual([50]);
  });
});

describe("linePath", () => {
  it("draws an SVG path through the points, rounded to a tenth of a pixel", () => {
    const x = scaleLinear([0, 2], [0, 100]);
    const y = scaleLinear([0, 3], [30, 0]);
    const points = [
      { x: 0, y: 0 },
      { x: 1, y: 1 },
      { x: 2, y: 3 },
    ];
    expect(linePath(points, x, y)).toBe("M0,30L50,20L100,0");
    expect(linePath([{ x: 1, y: 1 }], scaleLinear([0, 3], [0, 10]), y)).toBe("M3.3,20");
  });

  it("is empty for no points", () => {
    expect(linePath([], (v) => v, (v) => v)).toBe("");
  });
});
