import { useMemo, useState } from "react";
import { Loaded } from "../../components/Async";
import { LineChart, type ChartSeries } from "../../components/LineChart";
import { useApiGet } from "../../api/useApi";
import { TIMEFRAMES, type Timeframe, type ValueHistory } from "../../api/types/portfolio";
import { formatCompactMoney, formatDay } from "../../charts/axis";
import { toTimePoints } from "../../charts/lineChart";
import { formatDateTime, formatMoney } from "../../format";
import { direction, formatSignedMoney, formatSignedPercent } from "./numbers";

const TIMEFRAME_NAMES: Record<Timeframe, string> = {
  "1D": "1 day",
  "1W": "1 week",
  "1M": "1 month",
  "3M": "3 months",
  "1Y": "1 year",
  YTD: "Year to date",
  ALL: "All time",
};

/** Buckets of a day or more are dated; finer ones are timed in the user's zone. */
const DAILY: ReadonlySet<Timeframe> = new Set(["1Y", "YTD", "ALL"]);

function formatInstant(time: number): string {
  return formatDateTime(new Date(time).toISOString());
}

/** The portfolio's value over a timeframe (GET /portfolio/performance?timeframe=…). */
export function ValueChart() {
  const [timeframe, setTimeframe] = useState<Timeframe>("1M");
  const history = useApiGet<ValueHistory>("/portfolio/performance", { timeframe });
  return (
    <>
      <div className="segmented" role="group" aria-label="Timeframe">
        {TIMEFRAMES.map((option) => (
          <button
            key={option}
            type="button"
            aria-pressed={option === timeframe}
            title={TIMEFRAME_NAMES[option]}
            onClick={() => setTimeframe(option)}
          >
            {option}
          </button>
        ))}
      </div>
      <Loaded data={history.data} error={history.error} loading="Loading the value chart…">
        {(loaded) => <ValueHistoryView history={loaded} />}
      </Loaded>
    </>
  );
}

function ValueHistoryView({ history }: { history: ValueHistory }) {
  const name = TIMEFRAME_NAMES[history.timeframe];
  const series = useMemo<ChartSeries[]>(
    () => [
      {
        label: "Portfolio value",
        points: toTimePoints(history.data_points, (point) => point.timestamp, (point) => point.value),
      },
    ],
    [history.data_points],
  );
  return (
    <>
      {history.data_available ? (
        <p className="chart-summary">
          Over {name.toLowerCase()}: from {formatMoney(history.start_value)} to {formatMoney(history.current_value)},{" "}
          <span className={direction(history.profit_loss)}>
            {formatSignedMoney(history.profit_loss)} ({formatSignedPercent(history.profit_loss_percent)})
          </span>
          .
        </p>
      ) : null}
      <LineChart
        title={`Portfolio value, ${name.toLowerCase()}`}
        series={series}
        formatValue={(value) => formatMoney(value)}
        formatTick={(value) => formatCompactMoney(value)}
        formatTime={DAILY.has(history.timeframe) ? (time) => formatDay(time) : formatInstant}
        empty={
          <>
            No values recorded for {name.toLowerCase()} yet. Snapshots of your portfolio are taken every 5 minutes
            while you hold positions or cash; set your cash or open a position to start the chart.
          </>
        }
      />
    </>
  );
}
