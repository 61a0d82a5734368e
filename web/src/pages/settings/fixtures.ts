// Test data in the API's shapes.

import type { Account } from "../../api/types/accounts";
import type { AlertPreferences } from "../../api/types/alerts";

export const DEFAULT_PREFERENCES: AlertPreferences = {
  enabled_alerts: ["off_track", "milestone_50", "goal_completed"],
  email: null,
  phone: null,
  email_enabled: true,
  sms_enabled: false,
  in_app_enabled: true,
  webhook_url: null,
  webhook_enabled: true,
  quiet_hours_start: "22:00",
  quiet_hours_end: "08:00",
  timezone: "UTC",
  max_alerts_per_day: 5,
  min_hours_between_alerts: 4,
};

export function account(id: string, changes: Partial<Account> = {}): Account {
  return {
    id,
    provider: "binance_futures",
    label: "Main futures",
    key_hint: "AbCd",
    paper: false,
    status: "active",
    cash: 1000.5,
    last_synced_at: "2026-11-21T14:30:00+00:00",
    last_error: null,
    created_at: "2026-11-20T10:00:00+00:00",
    ...changes,
  };
}
