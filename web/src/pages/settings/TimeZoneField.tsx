import { memo, useId, useMemo } from "react";
import { deviceTimeZone, timeZoneChoices } from "./timeZones";

interface TimeZoneFieldProps {
  value: string;
  onChange: (zone: string) => void;
}

/** The IANA zone quiet hours are read in, with this device's zone one press away. Memoised: its few hundred
 * options would otherwise render again on every keystroke elsewhere in the form. */
export const TimeZoneField = memo(function TimeZoneField({ value, onChange }: TimeZoneFieldProps) {
  const id = useId();
  const zones = useMemo(() => timeZoneChoices(value), [value]);
  const device = deviceTimeZone();
  return (
    <>
      <div className="settings-field">
        <label htmlFor={id}>Time zone</label>
        <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
          {zones.map((zone) => (
            <option key={zone} value={zone}>
              {zone}
            </option>
          ))}
        </select>
      </div>
      {device !== value && (
        <button type="button" onClick={() => onChange(device)}>
          Use this device’s time zone ({device})
        </button>
      )}
    </>
  );
});
