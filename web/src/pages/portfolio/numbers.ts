// Display of quantities and gains for the trading pages. Like src/format.ts these only format what the API
// sent: a sign is read from the value, never computed.

import { formatMoney, formatPercent, type Amount } from "../../format";

const DASH = "—";

/** A quantity or a price-like figure as sent (0.5, 1,250), up to 8 decimals. */
export function formatQuantity(value: Amount | null | undefined, locale?: string): string {
  if (value === null || value === undefined || value === "") return DASH;
  const formatter = new Intl.NumberFormat(locale, { maximumFractionDigits: 8 });
  return formatter.format(String(value) as Intl.StringNumericLiteral);
}

/** A ratio (risk/reward 3, Sharpe 1.25), up to 2 decimals. */
export function formatRatio(value: Amount | null | undefined, locale?: string): string {
  if (value === null || value === undefined || value === "") return DASH;
  const formatter = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  return formatter.format(String(value) as Intl.StringNumericLiteral);
}

type Direction = "gain" | "loss" | "flat";

export function direction(value: Amount | null | undefined): Direction {
  const number = Number(value ?? 0);
  return number > 0 ? "gain" : number < 0 ? "loss" : "flat";
}

/** Money with an explicit sign: "+$250.00", "-$12.50", "$0.00". */
export function formatSignedMoney(value: Amount | null | undefined): string {
  if (value === null || value === undefined || value === "") return DASH;
  return `${direction(value) === "gain" ? "+" : ""}${formatMoney(value)}`;
}

/** A percent with an explicit sign: "+4.2%", "-1%". */
export function formatSignedPercent(value: Amount | null | undefined): string {
  if (value === null || value === undefined || value === "") return DASH;
  return `${direction(value) === "gain" ? "+" : ""}${formatPercent(value)}`;
}
