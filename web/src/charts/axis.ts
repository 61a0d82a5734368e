// Axis labels: short enough to fit beside a chart ("$12K", "Mar 2026"); full values go in the data table.

/** Money in compact notation for an axis tick: 12500 → "$12.5K". */
export function formatCompactMoney(value: number, currency = "USD", locale?: string): string {
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    notation: "compact",
    maximumFractionDigits: 1,
  }).format(value);
}

/** An instant as its UTC calendar day, "Mar 5, 2026": chart points of goals are dated, not timed. */
export function formatDay(time: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(time));
}
