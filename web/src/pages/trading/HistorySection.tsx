// A goal's daily history (GET /goals/history/{goal_type}) over a chosen period, as a chart with its data table.

import { useMemo, useState } from "react";
import { TRADING_GOAL_TYPES, type TradingGoalType, type TradingHistoryResponse } from "../../api/types/trading";
import { useApiGet } from "../../api/useApi";
import { Loaded } from "../../components/Async";
import { LineChart } from "../../components/LineChart";
import { Field } from "../wizard/Field";
import { TRADING_GOALS, formatGoalValue, historySeries } from "./tradingGoals";

const PERIODS = [7, 30, 90, 365] as const;

export function HistorySection() {
  const [goalType, setGoalType] = useState<TradingGoalType>("monthly_income");
  const [days, setDays] = useState<number>(30);
  const history = useApiGet<TradingHistoryResponse>(`/goals/history/${goalType}`, { days });
  const title = TRADING_GOALS[goalType].title;

  return (
    <section aria-labelledby="trading-history-heading">
      <h2 id="trading-history-heading">History</h2>
      <div className="trading-controls">
        <Field id="trading-history-goal" label="Goal">
          {(control) => (
            <select {...control} value={goalType} onChange={(event) => setGoalType(event.target.value as TradingGoalType)}>
              {TRADING_GOAL_TYPES.map((type) => (
                <option key={type} value={type}>
                  {TRADING_GOALS[type].title}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="trading-history-days" label="Period">
          {(control) => (
            <select {...control} value={days} onChange={(event) => setDays(Number(event.target.value))}>
              {PERIODS.map((period) => (
                <option key={period} value={period}>
                  Last {period} days
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Loaded
        data={history.data}
        error={history.error}
        loading={`Loading the ${title.toLowerCase()} history…`}
        isEmpty={(data) => data.history.length === 0}
        empty={
          <p>
            No {title.toLowerCase()} history in the last {days} days yet. Take a snapshot above, or wait for the
            evaluation at 23:59 UTC.
          </p>
        }
      >
        {(data) => <HistoryChart data={data} />}
      </Loaded>
    </section>
  );
}

function HistoryChart({ data }: { data: TradingHistoryResponse }) {
  const series = useMemo(() => historySeries(data.history), [data.history]);
  const title = TRADING_GOALS[data.goal_type].title;
  return (
    <LineChart
      title={`${title} and its target, last ${data.days} days`}
      series={series}
      formatValue={(value) => formatGoalValue(data.goal_type, value)}
    />
  );
}
