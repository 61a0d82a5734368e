// The preferences form's state: every field as the form holds it (text for the inputs), and back to the
// `PATCH /alerts/preferences` body of what changed.

import type { AlertPreferences, AlertType, PreferencesUpdate } from "../../api/types/alerts";

export interface PreferencesDraft {
  enabled_alerts: AlertType[];
  in_app_enabled: boolean;
  email_enabled: boolean;
  email: string;
  sms_enabled: boolean;
  phone: string;
  webhook_enabled: boolean;
  webhook_url: string;
  quiet_hours: boolean;
  quiet_hours_start: string;
  quiet_hours_end: string;
  timezone: string;
  max_alerts_per_day: string;
  min_hours_between_alerts: string;
}

/** The contract's default window, offered when quiet hours are switched on again. */
export const DEFAULT_QUIET_HOURS = { start: "22:00", end: "08:00" };

export function draftOf(prefs: AlertPreferences): PreferencesDraft {
  const quiet = prefs.quiet_hours_start !== null && prefs.quiet_hours_end !== null;
  return {
    enabled_alerts: [...prefs.enabled_alerts],
    in_app_enabled: prefs.in_app_enabled,
    email_enabled: prefs.email_enabled,
    email: prefs.email ?? "",
    sms_enabled: prefs.sms_enabled,
    phone: prefs.phone ?? "",
    webhook_enabled: prefs.webhook_enabled,
    webhook_url: prefs.webhook_url ?? "",
    quiet_hours: quiet,
    quiet_hours_start: quiet ? (prefs.quiet_hours_start ?? "") : DEFAULT_QUIET_HOURS.start,
    quiet_hours_end: quiet ? (prefs.quiet_hours_end ?? "") : DEFAULT_QUIET_HOURS.end,
    timezone: prefs.timezone,
    max_alerts_per_day: String(prefs.max_alerts_per_day),
    min_hours_between_alerts: String(prefs.min_hours_between_alerts),
  };
}

/** A blank text field clears the setting (the API takes null for email, phone, webhook_url). */
function orNull(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === "" ? null : trimmed;
}

/** A number field as typed: a number when it reads as one, else the text, for the API to refuse in its words. */
function numberOf(text: string): number {
  const trimmed = text.trim();
  return (trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed) as number;
}

/** What the form would set, in the API's terms. */
export function preferencesOf(draft: PreferencesDraft): AlertPreferences {
  return {
    enabled_alerts: draft.enabled_alerts,
    in_app_enabled: draft.in_app_enabled,
    email_enabled: draft.email_enabled,
    email: orNull(draft.email),
    sms_enabled: draft.sms_enabled,
    phone: orNull(draft.phone),
    webhook_enabled: draft.webhook_enabled,
    webhook_url: orNull(draft.webhook_url),
    quiet_hours_start: draft.quiet_hours ? draft.quiet_hours_start : null,
    quiet_hours_end: draft.quiet_hours ? draft.quiet_hours_end : null,
    timezone: draft.timezone,
    max_alerts_per_day: numberOf(draft.max_alerts_per_day),
    min_hours_between_alerts: numberOf(draft.min_hours_between_alerts),
  };
}

/** Only the fields that differ from what is saved: an unchanged webhook is not subscribed again. */
export function changesOf(saved: AlertPreferences, draft: PreferencesDraft): PreferencesUpdate {
  const wanted = preferencesOf(draft);
  const changes: Record<string, unknown> = {};
  for (const name of Object.keys(wanted) as (keyof AlertPreferences)[]) {
    const same =
      name === "enabled_alerts"
        ? sameSet(saved.enabled_alerts, wanted.enabled_alerts)
        : String(saved[name]) === String(wanted[name]);
    if (!same) changes[name] = wanted[name];
  }
  return changes as PreferencesUpdate;
}

function sameSet(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((item) => right.includes(item));
}

const FIELD_NAMES = new Set<string>([
  "email",
  "phone",
  "webhook_url",
  "quiet_hours_start",
  "quiet_hours_end",
  "timezone",
  "max_alerts_per_day",
  "min_hours_between_alerts",
]);

/**
 * The text fields a refusal names, to mark them invalid: the API's detail is "phone: Value error, …; timezone: …"
 * for a 422's field list, or a sentence that starts with the field ("webhook_url must be an https URL").
 */
export function fieldsNamedIn(detail: string | null): Set<string> {
  const named = new Set<string>();
  for (const part of detail?.split("; ") ?? []) {
    const field = /^([a-z_]+)\b/.exec(part)?.[1];
    if (field !== undefined && FIELD_NAMES.has(field)) named.add(field);
  }
  return named;
}
