import { ringGeometry } from "../charts/ring";
import { formatPercent } from "../format";
import "../charts/charts.css";

export type RingTone = "neutral" | "good" | "warn" | "bad";

interface ProgressRingProps {
  /** Percent complete as the API sent it; may exceed 100 (the ring is then full) or be unknown. */
  percent: number | null | undefined;
  /** Outer size in CSS pixels. */
  size?: number;
  stroke?: number;
  /** The accessible name ("Emergency fund progress"); the value is read as "25% complete". */
  label?: string;
  /** Colour that repeats the status shown in words beside the ring. */
  tone?: RingTone;
}

/**
 * A circular progress indicator with the percentage in its middle: a progressbar to assistive technology,
 * whose value is the share drawn (0..100) and whose value text is the percentage as the API sent it.
 */
export function ProgressRing({ percent, size = 96, stroke = 10, label, tone = "neutral" }: ProgressRingProps) {
  const ring = ringGeometry(percent, size, stroke);
  const text = formatPercent(percent);
  const centre = size / 2;
  return (
    <div
      className={`progress-ring tone-${tone}`}
      role="progressbar"
      aria-label={label ?? "Progress"}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={ring.filled}
      aria-valuetext={`${text} complete`}
      style={{ width: size, height: size }}
    >
      <svg width={size} height={size} viewBox={`0 0 ${size} ${size}`} aria-hidden="true" focusable="false">
        <circle className="ring-track" cx={centre} cy={centre} r={ring.radius} strokeWidth={stroke} />
        <circle
          className="ring-fill"
          cx={centre}
          cy={centre}
          r={ring.radius}
          strokeWidth={stroke}
          strokeDasharray={ring.circumference}
          strokeDashoffset={ring.dashOffset}
          visibility={ring.filled === 0 ? "hidden" : undefined}
        />
      </svg>
      <span className="ring-label" aria-hidden="true" style={{ fontSize: Math.max(11, size / 4.8) }}>
        {text}
      </span>
    </div>
  );
}
