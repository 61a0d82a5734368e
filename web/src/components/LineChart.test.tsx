import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { formatMoney } from "../format";
import { LineChart, type ChartSeries } from "./LineChart";

const JAN_1 = Date.UTC(2026, 0, 1);
const MAR_1 = Date.UTC(2026, 2, 1);
const DEC_1 = Date.UTC(2026, 11, 1);

const series: ChartSeries[] = [
  { label: "Amount", points: [{ time: JAN_1, value: 2500 }, { time: MAR_1, value: 6500 }] },
  { label: "Projection", dashed: true, points: [{ time: MAR_1, value: 6500 }, { time: DEC_1, value: 10560 }] },
];

describe("LineChart", () => {
  it("is an image named by its title and described by a summary of every series", () => {
    render(<LineChart title="Amount over time" series={series} formatValue={(value) => formatMoney(value)} />);
    const chart = screen.getByRole("img", { name: "Amount over time" });
    expect(chart).toHaveAccessibleDescription(
      "Amount: $2,500.00 on Jan 1, 2026 to $6,500.00 on Mar 1, 2026. " +
        "Projection: $6,500.00 on Mar 1, 2026 to $10,560.00 on Dec 1, 2026.",
    );
    expect(chart.querySelectorAll("path.chart-line")).toHaveLength(2);
    expect(chart.querySelector("path.chart-line.dashed")).not.toBeNull();
  });

  it("labels the y axis with the tick formatter and names the dashed series in the legend", () => {
    render(
      <LineChart
        title="Amount over time"
        series={series}
        references={[{ label: "Target", value: 10000 }]}
        formatValue={(value) => formatMoney(value)}
        formatTick={(value) => `${value / 1000}K`}
      />,
    );
    const chart = screen.getByRole("img", { name: "Amount over time" });
    expect(within(chart).getByText("10K")).toBeInTheDocument();
    expect(screen.getByText("Projection (dashed)")).toBeInTheDocument();
    expect(screen.getByText("Target: $10,000.00 (dotted)")).toBeInTheDocument();
  });

  it("lists every point in a data table behind a disclosure", async () => {
    render(<LineChart title="Amount over time" series={series} formatValue={(value) => formatMoney(value)} />);
    await userEvent.click(screen.getByText("Show the data as a table"));
    const table = screen.getByRole("table", { name: "Amount over time" });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(5);
    expect(rows[1]).toHaveTextContent("AmountJan 1, 2026$2,500.00");
  });

  it("says what to do when there is nothing to draw", () => {
    render(
      <LineChart
        title="Amount over time"
        series={[{ label: "Amount", points: [] }]}
        formatValue={String}
        empty="Record progress to see your trend."
      />,
    );
    expect(screen.queryByRole("img")).not.toBeInTheDocument();
    expect(screen.getByText("Record progress to see your trend.")).toBeInTheDocument();
  });
});
