// Checks of what a user typed into a number field, before anything is sent: the message says what to fix.
// The value sent is the typed decimal read as a JSON number; nothing is computed from it here.

export type Parsed<T> = { value: T; error?: undefined } | { value?: undefined; error: string };

const DECIMAL = /^\d+(\.\d+)?$/;
const MAX_DECIMALS = 8;
const MAX_AMOUNT = 1e12;

interface DecimalRule {
  /** The field's name in messages ("Quantity"). */
  label: string;
  /** Zero allowed (cash), else the value must be above zero. */
  allowZero?: boolean;
  /** Below this (exclusive), e.g. 100 for a percent. */
  below?: number;
}

/** A required decimal: digits with an optional fraction, no sign, no exponent, up to 8 decimals. */
export function parseDecimal(text: string, { label, allowZero = false, below }: DecimalRule): Parsed<number> {
  const trimmed = text.trim().replace(/,/g, "");
  if (trimmed === "") return { error: `${label} is required` };
  if (!DECIMAL.test(trimmed)) return { error: `${label} must be a number such as 12.5` };
  if ((trimmed.split(".")[1] ?? "").length > MAX_DECIMALS) {
    return { error: `${label} can have at most ${MAX_DECIMALS} decimals` };
  }
  const value = Number(trimmed);
  if (!allowZero && value === 0) return { error: `${label} must be greater than 0` };
  if (below !== undefined && value >= below) return { error: `${label} must be less than ${below}` };
  if (value > MAX_AMOUNT) return { error: `${label} is too large` };
  return { value };
}

/** An optional decimal: blank is null (not set, or cleared). */
export function parseOptionalDecimal(text: string, rule: DecimalRule): Parsed<number | null> {
  return text.trim() === "" ? { value: null } : parseDecimal(text, rule);
}

/** An optional whole number in [min, max]; blank is null. */
export function parseOptionalInteger(text: string, label: string, min: number, max: number): Parsed<number | null> {
  const trimmed = text.trim();
  if (trimmed === "") return { value: null };
  if (!/^\d+$/.test(trimmed)) return { error: `${label} must be a whole number` };
  const value = Number(trimmed);
  if (value < min || value > max) return { error: `${label} must be from ${min} to ${max}` };
  return { value };
}

/** The text of an amount the API sent, for a form field to start from ("" when not set). */
export function fieldText(value: number | string | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}
