import { useCallback, useState, type FormEvent } from "react";
import { useSWRConfig } from "swr";
import { useServices } from "../../app/services";
import { ALERT_TYPES, alertTypeLabel, type AlertPreferences, type AlertType } from "../../api/types/alerts";
import { useAction } from "../../api/useAction";
import { ErrorText } from "../../components/Async";
import { CheckField, SubmitRow, TextField } from "./fields";
import { changesOf, draftOf, fieldsNamedIn, type PreferencesDraft } from "./preferencesDraft";
import { TimeZoneField } from "./TimeZoneField";

export const PREFERENCES_PATH = "/alerts/preferences";

/** The caps on what leaves by email, SMS and webhook, in the API's ranges. */
const LIMITS = [
  { field: "max_alerts_per_day", label: "Maximum alerts per day", inputMode: "numeric", min: 0, max: 1000, step: 1 },
  {
    field: "min_hours_between_alerts",
    label: "Minimum hours between alerts",
    inputMode: "decimal",
    min: 0,
    max: 24,
    step: 0.25,
  },
] as const;

/** The channels beyond the app: each a switch and where it goes. */
const CHANNELS = [
  {
    toggle: "email_enabled",
    field: "email",
    label: "Email",
    input: { label: "Email address", type: "email", autoComplete: "email" },
    hint: "Amazon SNS sends a confirmation email to a new address; alerts are emailed once you confirm it.",
  },
  {
    toggle: "sms_enabled",
    field: "phone",
    label: "SMS",
    input: { label: "Phone number", type: "tel", autoComplete: "tel" },
    hint: "In international form: + then country code and number, e.g. +14155550123.",
  },
  {
    toggle: "webhook_enabled",
    field: "webhook_url",
    label: "Webhook",
    input: { label: "Webhook URL", type: "url", inputMode: "url" },
    hint:
      "An https address. Amazon SNS posts each alert there, signed by SNS (verify the signature; there is no " +
      "shared secret to keep), and first posts a subscription confirmation to open. Leave it blank to remove it.",
  },
] as const satisfies readonly {
  toggle: keyof PreferencesDraft;
  field: keyof PreferencesDraft;
  label: string;
  input: { label: string; type: string; autoComplete?: string; inputMode?: "url" };
  hint: string;
}[];

/** Every alert preference of the contract, saved with PATCH (only what changed). */
export function PreferencesForm({ saved }: { saved: AlertPreferences }) {
  const { api } = useServices();
  const { mutate } = useSWRConfig();
  const [draft, setDraft] = useState<PreferencesDraft>(() => draftOf(saved));
  const [notice, setNotice] = useState<string | null>(null);

  const save = useAction(
    useCallback(
      async (changes: Partial<AlertPreferences>) => {
        const updated = await api.patch<AlertPreferences>(PREFERENCES_PATH, changes);
        await mutate(PREFERENCES_PATH, updated, { revalidate: false });
        return updated;
      },
      [api, mutate],
    ),
  );

  const edit = useCallback((changes: Partial<PreferencesDraft>) => {
    setDraft((current) => ({ ...current, ...changes }));
    setNotice(null);
  }, []);
  const setTimeZone = useCallback((timezone: string) => edit({ timezone }), [edit]);
  const invalid = fieldsNamedIn(save.error);
  const invalidProps = (field: string) => (invalid.has(field) ? { "aria-invalid": true } : {});
  const toggleType = (type: AlertType, on: boolean) =>
    edit({ enabled_alerts: on ? [...draft.enabled_alerts, type] : draft.enabled_alerts.filter((t) => t !== type) });

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const changes = changesOf(saved, draft);
    if (Object.keys(changes).length === 0) {
      setNotice("Nothing to save: these are your preferences already.");
      return;
    }
    const updated = await save.run(changes);
    if (updated) {
      setDraft(draftOf(updated));
      setNotice("Preferences saved.");
    }
  };

  return (
    <form className="settings-form" noValidate onSubmit={(event) => void onSubmit(event)}>
      <fieldset>
        <legend>Channels</legend>
        <CheckField
          label="Count new alerts as unread in the app"
          checked={draft.in_app_enabled}
          onChange={(in_app_enabled) => edit({ in_app_enabled })}
        />
        {CHANNELS.map(({ toggle, field, label, hint, input }) => (
          <div key={field} className="settings-channel">
            <CheckField label={label} checked={draft[toggle]} onChange={(on) => edit({ [toggle]: on })} />
            <TextField
              {...input}
              {...invalidProps(field)}
              value={draft[field]}
              onChange={(text) => edit({ [field]: text })}
              hint={hint}
            />
          </div>
        ))}
      </fieldset>

      <fieldset>
        <legend>Quiet hours</legend>
        <p className="settings-hint">
          Email, SMS and webhook deliveries wait until quiet hours end; nothing is dropped.
        </p>
        <CheckField
          label="Hold deliveries during quiet hours"
          checked={draft.quiet_hours}
          onChange={(quiet_hours) => edit({ quiet_hours })}
        />
        {draft.quiet_hours && (
          <div className="settings-row">
            <TextField
              label="Quiet hours start"
              type="time"
              {...invalidProps("quiet_hours_start")}
              value={draft.quiet_hours_start}
              onChange={(quiet_hours_start) => edit({ quiet_hours_start })}
            />
            <TextField
              label="Quiet hours end"
              type="time"
              {...invalidProps("quiet_hours_end")}
              value={draft.quiet_hours_end}
              onChange={(quiet_hours_end) => edit({ quiet_hours_end })}
            />
          </div>
        )}
        <TimeZoneField value={draft.timezone} onChange={setTimeZone} />
      </fieldset>

      <fieldset>
        <legend>Alerts that also leave by email, SMS and webhook</legend>
        <p className="settings-hint">Every alert is always kept here in the app.</p>
        <div className="settings-types">
          {ALERT_TYPES.map((type) => (
            <CheckField
              key={type}
              label={alertTypeLabel(type)}
              checked={draft.enabled_alerts.includes(type)}
              onChange={(on) => toggleType(type, on)}
            />
          ))}
        </div>
      </fieldset>

      <fieldset>
        <legend>Limits</legend>
        <div className="settings-row">
          {LIMITS.map(({ field, ...input }) => (
            <TextField
              key={field}
              type="number"
              {...input}
              {...invalidProps(field)}
              value={draft[field]}
              onChange={(text) => edit({ [field]: text })}
            />
          ))}
        </div>
        <p className="settings-hint">Alerts over these limits stay in the app only.</p>
      </fieldset>

      <ErrorText message={save.error} />
      <SubmitRow busy={save.busy} busyText="Saving…" text="Save preferences" notice={notice} />
    </form>
  );
}
