// Data shaping for the app's own SVG charts (goal trend, portfolio value, trading-goal history): pure
// functions from values to pixels, so that a chart component only draws what these return.

export interface XY {
  x: number;
  y: number;
}

export type Scale = (value: number) => number;

/** Maps [d0, d1] linearly onto [r0, r1]; a one-value domain maps to the middle of the range. */
export function scaleLinear([d0, d1]: [number, number], [r0, r1]: [number, number]): Scale {
  if (d0 === d1) return () => (r0 + r1) / 2;
  const ratio = (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * ratio;
}

export function extent(values: readonly number[]): [number, number] | null {
  if (values.length === 0) return null;
  return [Math.min(...values), Math.max(...values)];
}

/** About `count` round axis values (steps of 1, 2 or 5 times a power of ten) covering [min, max]. */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (min === max) return [min];
  const rough = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const ratio = rough / magnitude;
  const step = (ratio <= 1 ? 1 : ratio <= 2 ? 2 : ratio <= 5 ? 5 : 10) * magnitude;
  // Multiples of the step, rounded to its decimals so that 3 × 0.2 is 0.6, not 0.6000000000000001.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let index = first; index <= last; index += 1) ticks.push(Number((index * step).toFixed(decimals)));
  return ticks;
}

/** An SVG path ("M…L…") through the points, in pixels rounded to a tenth. */
export function linePath(points: readonly XY[], x: Scale, y: Scale): string {
  return points
    .map((point, index) => `${index === 0 ? "M" : "L"}${round(x(point.x))},${round(y(point.y))}`)
    .join("");
}

function round(pixels: number): number {
  return Math.round(pixels * 10) / 10;
}
