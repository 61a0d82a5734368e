// Data shaping for ProgressRing: how much of the circle's stroke a percentage fills.

export interface RingGeometry {
  radius: number;
  circumference: number;
  /** stroke-dashoffset that leaves the unfilled part of the circle undrawn. */
  dashOffset: number;
  /** The share drawn, 0..100: past 100 the ring is simply full, a value below 0 or unknown draws nothing. */
  filled: number;
}

export function ringGeometry(percent: number | null | undefined, size: number, stroke: number): RingGeometry {
  const radius = (size - stroke) / 2;
  const circumference = 2 * Math.PI * radius;
  const filled = percent === null || percent === undefined || !Number.isFinite(percent) ? 0 : clamp(percent, 0, 100);
  return { radius, circumference, dashOffset: circumference * (1 - filled / 100), filled };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
