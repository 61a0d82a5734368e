// Data shaping for LineChart: series of (time, value) points → SVG paths, axis ticks and a text summary.
// Pure, so that the component only draws what these return and the maths is unit-tested.

import { extent, linePath, niceTicks, scaleLinear, type XY } from "./scale";

/** One point of a series: `time` in epoch milliseconds. */
export interface TimePoint {
  time: number;
  value: number;
}

export interface ChartSeries {
  label: string;
  points: readonly TimePoint[];
  /** Drawn dashed: a projection or a plan rather than what happened. */
  dashed?: boolean;
}

/** A horizontal line across the plot (a target), labelled in the legend. */
export interface ChartReference {
  label: string;
  value: number;
}

export interface ChartSize {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

export interface ShapedSeries {
  label: string;
  dashed: boolean;
  path: string;
  /** The points in pixels, for markers. */
  dots: XY[];
}

export interface Tick {
  value: number;
  /** Pixel position along its axis. */
  at: number;
}

export interface ShapedChart {
  series: ShapedSeries[];
  references: { label: string; y: number }[];
  yTicks: Tick[];
  xTicks: Tick[];
  plot: { left: number; top: number; right: number; bottom: number };
}

export const DEFAULT_CHART_SIZE: ChartSize = {
  width: 640,
  height: 280,
  margin: { top: 12, right: 16, bottom: 32, left: 72 },
};

const DAY_MS = 86_400_000;

/**
 * Turns API items into time-ordered points, leaving out those whose time or value cannot be read (a point
 * that cannot be placed is better missing than drawn at 1970 or NaN).
 */
export function toTimePoints<T>(
  items: readonly T[],
  time: (item: T) => string,
  value: (item: T) => number | string | null | undefined,
): TimePoint[] {
  const points: TimePoint[] = [];
  for (const item of items) {
    const instant = Date.parse(time(item));
    const raw = value(item);
    const amount = raw === null || raw === undefined || raw === "" ? Number.NaN : Number(raw);
    if (Number.isFinite(instant) && Number.isFinite(amount)) points.push({ time: instant, value: amount });
  }
  return points.sort((a, b) => a.time - b.time);
}

/** About `count` evenly spaced instants from `min` to `max`, on whole UTC days when the span is days or more. */
export function timeTicks(min: number, max: number, count: number): number[] {
  if (min === max || count < 2) return [min];
  const step = (max - min) / (count - 1);
  const ticks: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const instant = min + step * index;
    if (step < DAY_MS) ticks.push(Math.round(instant));
    // The ends round inwards, so that no tick falls outside the plot.
    else if (index === 0) ticks.push(Math.ceil(instant / DAY_MS) * DAY_MS);
    else if (index === count - 1) ticks.push(Math.floor(instant / DAY_MS) * DAY_MS);
    else ticks.push(Math.round(instant / DAY_MS) * DAY_MS);
  }
  // Rounding to days may make neighbours equal on short spans: keep each instant once.
  return [...new Set(ticks)];
}

/** Lays the series out in `size`; null when there is no point to draw. */
export function shapeLineChart(
  series: readonly ChartSeries[],
  references: readonly ChartReference[] = [],
  size: ChartSize = DEFAULT_CHART_SIZE,
  tickCount = { x: 4, y: 5 },
): ShapedChart | null {
  const points = series.flatMap((one) => one.points);
  const times = extent(points.map((point) => point.time));
  const values = extent([...points.map((point) => point.value), ...references.map((reference) => reference.value)]);
  if (times === null || values === null) return null;

  const plot = {
    left: size.margin.left,
    top: size.margin.top,
    right: size.width - size.margin.right,
    bottom: size.height - size.margin.bottom,
  };
  const yTickValues = niceTicks(values[0], values[1], tickCount.y);
  // The axis spans whole ticks, so the top and bottom lines carry a label.
  const yDomain: [number, number] = [yTickValues[0] ?? values[0], yTickValues.at(-1) ?? values[1]];
  const x = scaleLinear(times, [plot.left, plot.right]);
  const y = scaleLinear(yDomain, [plot.bottom, plot.top]);
  const identity = (value: number) => value;

  return {
    series: series
      .filter((one) => one.points.length > 0)
      .map((one) => {
        const dots = one.points.map((point) => ({ x: x(point.time), y: y(point.value) }));
        return { label: one.label, dashed: one.dashed ?? false, path: linePath(dots, identity, identity), dots };
      }),
    references: references.map((reference) => ({ label: reference.label, y: y(reference.value) })),
    yTicks: yTickValues.map((value) => ({ value, at: y(value) })),
    xTicks: timeTicks(times[0], times[1], tickCount.x).map((value) => ({ value, at: x(value) })),
    plot,
  };
}

/**
 * One sentence per series for screen readers: where it starts and ends ("Amount: $2,500.00 on Jan 5, 2026
 * to $6,500.00 on Mar 1, 2026").
 */
export function describeSeries(
  series: readonly ChartSeries[],
  formatValue: (value: number) => string,
  formatTime: (time: number) => string,
): string {
  return series
    .filter((one) => one.points.length > 0)
    .map((one) => {
      const first = one.points[0];
      const last = one.points.at(-1);
      if (first === undefined || last === undefined) return "";
      const start = `${formatValue(first.value)} on ${formatTime(first.time)}`;
      if (one.points.length === 1) return `${one.label}: ${start}.`;
      return `${one.label}: ${start} to ${formatValue(last.value)} on ${formatTime(last.time)}.`;
    })
    .join(" ");
}
