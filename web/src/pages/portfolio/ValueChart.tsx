import { useMemo, useState } from "react";
import { Loaded } from "../../components/Async";
import { LineChart, type ChartSeries } from "../../components/LineChart";
import useSWR from "swr";
import { useServices } from "../../app/services";
import type { ApiError, Query } from "../../api/client";
import { TIMEFRAMES, type Timeframe, type ValueHistory } from "../../api/types/portfolio";
import { formatCompactMoney, formatDay } from "../../charts/axis";
import { toTimePoints } from "../../charts/lineChart";
import { formatMoney } from "../../format";
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

/** An axis tick and table time for intraday buckets, in the user's zone: "Dec 3, 9:05 PM" (the year would crowd
 * a phone's axis; the chart's window is at most 90 days). */
const INSTANT = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
});

function formatInstant(time: number): string {
  return INSTANT.format(new Date(time));
}

/** The portfolio's value over a timeframe (GET /portfolio/performance?timeframe=…). */
export function ValueChart() {
  const [timeframe, setTimeframe] = useState<Timeframe>("1M");
  const { api } = useServices();
  // The key is useApiGet's, so writes revalidate it; the chart shown stays until the next timeframe's arrives.
  const history = useSWR<ValueHistory, ApiError, [string, Query]>(
    ["/portfolio/performance", { timeframe }],
    ([path, query]) => api.get<ValueHistory>(path, query),
    { keepPreviousData: true },
  );
  const switching = history.data !== undefined && history.data.timeframe !== timeframe;
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
      {switching ? <p role="status">Loading {TIMEFRAME_NAMES[timeframe].toLowerCase()}…</p> : null}
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
          Over {name.toLowerCase()}: from {formatMoney(history.start_value)} to{" "}
          {formatMoney(history.current_value)},{" "}
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
