// Display formatting. Amounts arrive as JSON numbers (the API computes with Decimal); the client only
// formats them, never does arithmetic on money.

/** A JSON number, or a decimal string, as the API sent it. */
export type Amount = number | string;

const DASH = "—";

/**
 * Formats an amount as money. A number is first turned back into the shortest decimal that reads back
 * as the same double (String(1.005) is "1.005"), and that decimal string is what Intl rounds: so 1.005
 * shows as $1.01 as the API meant, not $1.00 from the double 1.00499999….
 */
export function formatMoney(amount: Amount | null | undefined, currency = "USD", locale?: string): string {
  if (amount === null || amount === undefined || amount === "") return DASH;
  const formatter = new Intl.NumberFormat(locale, { style: "currency", currency });
  return formatter.format(decimalString(amount));
}

/** Formats a value already in percent (percent_complete 25.0 → "25%"). */
export function formatPercent(value: Amount | null | undefined, locale?: string): string {
  if (value === null || value === undefined || value === "") return DASH;
  const formatter = new Intl.NumberFormat(locale, { style: "unit", unit: "percent", maximumFractionDigits: 1 });
  return formatter.format(decimalString(value));
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/;

/**
 * Formats a calendar date (a deadline, a target date, a period date). The API sends these as
 * `YYYY-MM-DD` or as midnight UTC; the date part is the day meant, so it is shown as is, never shifted
 * into the browser's zone (where midnight UTC may still be the day before).
 */
export function formatCalendarDate(value: string, locale?: string): string {
  const match = CALENDAR_DATE.exec(value);
  if (!match) return value;
  const [, year, month, day] = match;
  const utcMidnight = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(utcMidnight);
}

/** Formats a timestamp in the user's time zone (the browser's unless one is given). */
export function formatDateTime(value: string, locale?: string, timeZone?: string): string {
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(instant);
}

function decimalString(amount: Amount): Intl.StringNumericLiteral {
  return (typeof amount === "number" ? String(amount) : amount.trim()) as Intl.StringNumericLiteral;
}
