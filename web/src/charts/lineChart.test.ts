// @vitest-environment node
import { describe, expect, it } from "vitest";
import { describeSeries, shapeLineChart, timeTicks, toTimePoints, type ChartSize } from "./lineChart";

const DAY = 86_400_000;
const JAN_1 = Date.UTC(2026, 0, 1);
const SIZE: ChartSize = { width: 300, height: 200, margin: { top: 10, right: 10, bottom: 30, left: 50 } };

describe("toTimePoints", () => {
  it("orders points by time and leaves out those that cannot be placed", () => {
    const items = [
      { at: "2026-03-01T00:00:00+00:00", amount: 300 },
      { at: "2026-01-01", amount: "100.5" },
      { at: "not a date", amount: 5 },
      { at: "2026-02-01T00:00:00Z", amount: null },
    ];
    expect(toTimePoints(items, (item) => item.at, (item) => item.amount)).toEqual([
      { time: JAN_1, value: 100.5 },
      { time: Date.UTC(2026, 2, 1), value: 300 },
    ]);
  });
});

describe("timeTicks", () => {
  it("spaces instants evenly over the span, on whole days for long spans", () => {
    const ticks = timeTicks(JAN_1, JAN_1 + 30 * DAY, 4);
    expect(ticks).toEqual([JAN_1, JAN_1 + 10 * DAY, JAN_1 + 20 * DAY, JAN_1 + 30 * DAY]);
  });

  it("keeps day ticks inside the span", () => {
    const start = JAN_1 + 21 * 3_600_000;
    const ticks = timeTicks(start, start + 20 * DAY, 3);
    expect(ticks).toEqual([JAN_1 + DAY, JAN_1 + 11 * DAY, JAN_1 + 20 * DAY]);
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(start);
  });

  it("gives one tick for one instant and no repeats on short spans", () => {
    expect(timeTicks(JAN_1, JAN_1, 4)).toEqual([JAN_1]);
    expect(timeTicks(JAN_1, JAN_1 + 3 * 3_600_000, 4)).toHaveLength(4);
  });
});

describe("shapeLineChart", () => {
  it("is null when no series has a point", () => {
    expect(shapeLineChart([{ label: "Amount", points: [] }], [], SIZE)).toBeNull();
  });

  it("maps time to x and value to y inside the margins, y growing downwards", () => {
    const chart = shapeLineChart(
      [{ label: "Amount", points: [{ time: JAN_1, value: 0 }, { time: JAN_1 + 10 * DAY, value: 1000 }] }],
      [],
      SIZE,
    );
    expect(chart?.plot).toEqual({ left: 50, top: 10, right: 290, bottom: 170 });
    expect(chart?.series[0]?.dots).toEqual([
      { x: 50, y: 170 },
      { x: 290, y: 10 },
    ]);
    expect(chart?.series[0]?.path).toBe("M50,170L290,10");
    expect(chart?.series[0]?.dashed).toBe(false);
  });

  it("spans round y ticks that cover every series and reference, the projection included", () => {
    const chart = shapeLineChart(
      [
        { label: "Amount", points: [{ time: JAN_1, value: 2500 }, { time: JAN_1 + DAY, value: 3100 }] },
        {
          label: "Projection",
          dashed: true,
          points: [
            { time: JAN_1 + DAY, value: 3100 },
            { time: JAN_1 + 8 * DAY, value: 9100 },
          ],
        },
      ],
      [{ label: "Target", value: 10000 }],
      SIZE,
      { x: 3, y: 4 },
    );
    expect(chart?.yTicks.map((tick) => tick.value)).toEqual([2000, 4000, 6000, 8000, 10000]);
    expect(chart?.yTicks[0]?.at).toBe(170);
    expect(chart?.yTicks.at(-1)?.at).toBe(10);
    expect(chart?.references).toEqual([{ label: "Target", y: 10 }]);
    expect(chart?.series[1]?.dashed).toBe(true);
    // The projection starts where the actual line ends.
    expect(chart?.series[1]?.dots[0]).toEqual(chart?.series[0]?.dots[1]);
    expect(chart?.xTicks.map((tick) => tick.at)).toEqual([50, 170, 290]);
  });

  it("draws a single point in the middle of the plot", () => {
    const chart = shapeLineChart([{ label: "Amount", points: [{ time: JAN_1, value: 40 }] }], [], SIZE);
    expect(chart?.series[0]?.dots).toEqual([{ x: 170, y: 90 }]);
    expect(chart?.series[0]?.path).toBe("M170,90");
  });
});

describe("describeSeries", () => {
  it("says where each series starts and ends", () => {
    const text = describeSeries(
      [
        { label: "Amount", points: [{ time: 1, value: 10 }, { time: 2, value: 20 }] },
        { label: "Projection", points: [{ time: 3, value: 30 }] },
        { label: "Nothing", points: [] },
      ],
      (value) => `$${value}`,
      (time) => `day ${time}`,
    );
    expect(text).toBe("Amount: $10 on day 1 to $20 on day 2. Projection: $30 on day 3.");
  });
});
