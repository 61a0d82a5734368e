// Reading what a person typed into an amount field. Only parsing: the API does the arithmetic on money.

/** The largest amount the API accepts. */
export const MAX_AMOUNT = 1e12;

const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * A typed number as the API should get it: `"27,000"`, `"$ 27000.50"` and `"27000.5"` all read; null for an
 * empty field; `NaN` for anything else.
 */
export function parseDecimal(text: string): number | null {
  const cleaned = text.trim().replace(/[$,\s]/g, "");
  if (cleaned === "") return null;
  if (!DECIMAL.test(cleaned)) return Number.NaN;
  return Number(cleaned);
}

/** Money has at most two decimals (cents). */
export function hasCents(text: string): boolean {
  const cleaned = text.trim().replace(/[$,\s]/g, "");
  const fraction = cleaned.split(".")[1];
  return fraction === undefined || fraction.length <= 2;
}
