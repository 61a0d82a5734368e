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
  /** The accessible name; "25% complete" unless given. */
  label?: string;
  /** Colour that repeats the status shown in words beside the ring. */
  tone?: RingTone;
}

/** A circular progress indicator with the percentage in its middle. */
export function ProgressRing({ percent, size = 96, stroke = 10, label, tone = "neutral" }: ProgressRingProps) {
  const ring = ringGeometry(percent, size, stroke);
  const text = formatPercent(percent);
  const centre = size / 2;
  return (
    <div
      className={`progress-ring tone-${tone}`}
      role="img"
      aria-label={label ?? `${text} complete`}
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
