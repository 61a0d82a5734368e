// The contract's "Alerts" section: an alert, its types and severities, and the alert preferences.

export const ALERT_TYPES = [
  "goal_completed",
  "goal_achieved",
  "goal_at_risk",
  "goal_behind",
  "off_track",
  "back_on_track",
  "milestone_25",
  "milestone_50",
  "milestone_75",
  "milestone_reached",
  "deadline_approaching",
  "deadline_imminent",
  "deadline_missed",
  "position_closed",
  "update_reminder",
  "significant_progress",
  "suggested_adjustment",
  "position_level_reached",
] as const;

export type AlertType = (typeof ALERT_TYPES)[number];

export type Severity = "info" | "warning" | "critical";

export interface Alert {
  id: string;
  alert_type: AlertType;
  goal_id: string | null;
  position_id: string | null;
  title: string;
  message: string;
  severity: Severity;
  created_at: string;
  delivered_at: string | null;
  read_at: string | null;
  channels: string[];
  /** The web app's path of what the alert is about (`/app/goals/{id}`); null on alerts from before r2. */
  action_url: string | null;
}

/** Each type in words, as a person would name it. */
export const ALERT_TYPE_LABELS: Record<AlertType, string> = {
  goal_completed: "Goal completed",
  goal_achieved: "Goal achieved",
  goal_at_risk: "Goal at risk",
  goal_behind: "Goal behind",
  off_track: "Off track",
  back_on_track: "Back on track",
  milestone_25: "25% milestone",
  milestone_50: "50% milestone",
  milestone_75: "75% milestone",
  milestone_reached: "Milestone reached",
  deadline_approaching: "Deadline approaching (30 days or less)",
  deadline_imminent: "Deadline imminent (7 days or less)",
  deadline_missed: "Deadline missed",
  position_closed: "Position closed",
  update_reminder: "Update reminder",
  significant_progress: "Significant progress",
  suggested_adjustment: "Suggested adjustment",
  position_level_reached: "Position level reached",
};

export const SEVERITY_LABELS: Record<Severity, string> = {
  info: "Info",
  warning: "Warning",
  critical: "Critical",
};

/** A type the API may add later still reads as words, not as a crash. */
export function alertTypeLabel(type: string): string {
  return (ALERT_TYPE_LABELS as Record<string, string | undefined>)[type] ?? type.replaceAll("_", " ");
}

export interface AlertPreferences {
  enabled_alerts: AlertType[];
  email: string | null;
  phone: string | null;
  email_enabled: boolean;
  sms_enabled: boolean;
  in_app_enabled: boolean;
  webhook_url: string | null;
  webhook_enabled: boolean;
  /** "HH:MM" in `timezone`; both null: no quiet hours. */
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  /** An IANA time zone name. */
  timezone: string;
  max_alerts_per_day: number;
  min_hours_between_alerts: number;
}

/** `PATCH /alerts/preferences` takes any of the preferences. */
export type PreferencesUpdate = Partial<AlertPreferences>;
