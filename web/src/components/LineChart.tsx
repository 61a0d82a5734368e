import { useId, useMemo, useRef, type ReactNode } from "react";
import { formatDay } from "../charts/axis";
import {
  DEFAULT_CHART_SIZE,
  describeSeries,
  shapeLineChart,
  type ChartReference,
  type ChartSeries,
  type ChartSize,
} from "../charts/lineChart";
import { useElementWidth } from "../charts/useElementWidth";
import "../charts/charts.css";

// Colours for the series in order; each is at least 3:1 against white. Dashes and the legend's words carry
// the meaning too, so colour is never the only difference.
const SERIES_COLOURS = ["var(--accent)", "#b35900", "#2e7d32", "#6a3d9a"];
/** Markers stop helping (and cost DOM) when a series is dense. */
const MAX_MARKERS = 60;
/** Below these widths the x axis has room for fewer dates. */
const NARROW_WIDTH = 420;
const MEDIUM_WIDTH = 640;

export type { ChartReference, ChartSeries, TimePoint } from "../charts/lineChart";

interface LineChartProps {
  /** What the chart shows ("Amount over time"): its accessible name and the data table's caption. */
  title: string;
  series: readonly ChartSeries[];
  /** Horizontal lines such as a target. */
  references?: readonly ChartReference[];
  /** A value in full, for the summary and the data table (e.g. formatMoney). */
  formatValue: (value: number) => string;
  /** A y-axis tick; the full value unless given (e.g. compact money, "$12.5K"). */
  formatTick?: (value: number) => string;
  /** A point's time (epoch ms); its UTC day unless given (pass formatDateTime for intraday data). */
  formatTime?: (time: number) => string;
  /** Shown instead of the chart when no series has a point: say what would make one. */
  empty?: ReactNode;
  height?: number;
}

/** An accessible, responsive SVG line chart of values over time: several series, dashed ones for projections. */
export function LineChart({
  title,
  series,
  references = [],
  formatValue,
  formatTick = formatValue,
  formatTime = formatDay,
  empty = "Nothing to chart yet.",
  height = DEFAULT_CHART_SIZE.height,
}: LineChartProps) {
  const box = useRef<HTMLElement>(null);
  const width = useElementWidth(box, DEFAULT_CHART_SIZE.width);
  const ids = useId();
  const size: ChartSize = { ...DEFAULT_CHART_SIZE, width, height };
  const xTickCount = width < NARROW_WIDTH ? 2 : width < MEDIUM_WIDTH ? 3 : 5;
  const chart = useMemo(
    () =>
      shapeLineChart(series, references, { width, height, margin: DEFAULT_CHART_SIZE.margin }, { x: xTickCount, y: 5 }),
    [series, references, width, height, xTickCount],
  );
  const summary = describeSeries(series, formatValue, formatTime);
  const colourOf = (index: number) => SERIES_COLOURS[index % SERIES_COLOURS.length] ?? "var(--accent)";
  const drawn = series.filter((one) => one.points.length > 0);

  return (
    <figure className="line-chart" ref={box}>
      {chart === null ? (
        <p className="empty-state">{empty}</p>
      ) : (
        <>
          <svg
            viewBox={`0 0 ${size.width} ${size.height}`}
            role="img"
            aria-labelledby={`${ids}-title`}
            aria-describedby={`${ids}-desc`}
          >
            <title id={`${ids}-title`}>{title}</title>
            <desc id={`${ids}-desc`}>{summary}</desc>
            <g className="chart-axis">
              {chart.yTicks.map((tick) => (
                <g key={`y${tick.value}`}>
                  <line className="chart-grid" x1={chart.plot.left} x2={chart.plot.right} y1={tick.at} y2={tick.at} />
                  <text x={chart.plot.left - 8} y={tick.at} textAnchor="end" dominantBaseline="middle">
                    {formatTick(tick.value)}
                  </text>
                </g>
              ))}
              {chart.xTicks.map((tick, index) => (
                <text
                  key={`x${tick.value}`}
                  x={tick.at}
                  y={chart.plot.bottom + 20}
                  textAnchor={xAnchor(index, chart.xTicks.length)}
                >
                  {formatTime(tick.value)}
                </text>
              ))}
            </g>
            {chart.references.map((reference) => (
              <line
                key={reference.label}
                className="chart-reference"
                x1={chart.plot.left}
                x2={chart.plot.right}
                y1={reference.y}
                y2={reference.y}
              />
            ))}
            {chart.series.map((one, index) => (
              <g key={`${index}-${one.label}`} style={{ color: colourOf(index) }}>
                <path className={`chart-line${one.dashed ? " dashed" : ""}`} d={one.path} stroke="currentColor" />
                {one.dots.length <= MAX_MARKERS &&
                  one.dots.map((dot, dotIndex) => (
                    <circle
                      key={dotIndex}
                      cx={dot.x}
                      cy={dot.y}
                      r={one.dashed ? 3 : 3.5}
                      fill={one.dashed ? "#ffffff" : "currentColor"}
                      stroke="currentColor"
                      strokeWidth={1.5}
                    />
                  ))}
              </g>
            ))}
          </svg>
          <figcaption>
            <ul className="chart-legend">
              {drawn.map((one, index) => (
                <li key={one.label}>
                  <LegendSwatch colour={colourOf(index)} dashed={one.dashed ?? false} />
                  <span>{one.dashed ? `${one.label} (dashed)` : one.label}</span>
                </li>
              ))}
              {references.map((reference) => (
                <li key={reference.label}>
                  <LegendSwatch colour="var(--muted)" dotted />
                  <span>{`${reference.label}: ${formatValue(reference.value)} (dotted)`}</span>
                </li>
              ))}
            </ul>
          </figcaption>
          <details className="chart-data">
            <summary>Show the data as a table</summary>
            <div className="chart-table-scroll">
              <table>
                <caption className="chart-visually-hidden">{title}</caption>
                <thead>
                  <tr>
                    <th scope="col">Series</th>
                    <th scope="col">Date</th>
                    <th scope="col">Value</th>
                  </tr>
                </thead>
                <tbody>
                  {drawn.flatMap((one) =>
                    one.points.map((point, index) => (
                      <tr key={`${one.label}-${index}`}>
                        <td>{one.label}</td>
                        <td>{formatTime(point.time)}</td>
                        <td className="number">{formatValue(point.value)}</td>
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </figure>
  );
}

function xAnchor(index: number, count: number): "start" | "middle" | "end" {
  if (count > 1 && index === 0) return "start";
  if (count > 1 && index === count - 1) return "end";
  return "middle";
}

interface LegendSwatchProps {
  colour: string;
  dashed?: boolean;
  dotted?: boolean;
}

function LegendSwatch({ colour, dashed = false, dotted = false }: LegendSwatchProps) {
  return (
    <svg width="28" height="10" aria-hidden="true" focusable="false">
      <line
        x1="1"
        x2="27"
        y1="5"
        y2="5"
        stroke={colour}
        strokeWidth={dotted ? 1.5 : 2.5}
        strokeDasharray={dashed ? "7 5" : dotted ? "2 4" : undefined}
      />
    </svg>
  );
}
