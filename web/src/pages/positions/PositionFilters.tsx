import { useId, useState, type FormEvent } from "react";
import { POSITION_STATUSES, type PositionFilter, type PositionStatus } from "../../api/types/positions";
import { STATUS_NAMES } from "./labels";
import { TextField } from "./TextField";

const TEXT_FILTERS = [
  ["symbol", "Symbol"],
  ["strategy", "Strategy"],
  ["bot_id", "Bot"],
  ["prompt_id", "Prompt"],
] as const;

/** The list's filters as the page's query string (?status=CLOSED&symbol=AAPL), so a filtered list can be linked. */
export function filterFromSearch(search: string): PositionFilter {
  const params = new URLSearchParams(search);
  const filter: PositionFilter = {};
  const status = params.get("status");
  if (status === null) filter.status = "OPEN";
  else if ((POSITION_STATUSES as readonly string[]).includes(status)) filter.status = status as PositionStatus;
  for (const [name] of TEXT_FILTERS) {
    const value = params.get(name)?.trim();
    if (value) filter[name] = value;
  }
  return filter;
}

export function searchFromFilter(filter: PositionFilter): string {
  const params = new URLSearchParams();
  // Open positions are the default view; every status is asked for by "all".
  params.set("status", filter.status ?? "all");
  for (const [name] of TEXT_FILTERS) {
    const value = filter[name];
    if (value) params.set(name, value);
  }
  const search = params.toString();
  return search === "status=OPEN" ? "" : `?${search}`;
}

interface PositionFiltersProps {
  filter: PositionFilter;
  onChange: (filter: PositionFilter) => void;
}

export function PositionFilters({ filter, onChange }: PositionFiltersProps) {
  const ids = useId();
  const [draft, setDraft] = useState<PositionFilter>(filter);
  const [shown, setShown] = useState(filter);
  // The text filters are shown on demand (or when one is in use): the list stays first on a phone, and the open
  // form's Symbol, Strategy, Bot and Prompt fields stay the only ones with those names.
  const [expanded, setExpanded] = useState(() => TEXT_FILTERS.some(([name]) => filter[name]));
  if (shown !== filter) {
    // The URL changed (back button, a link): the form follows it.
    setShown(filter);
    setDraft(filter);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    onChange(draft);
  }

  return (
    <form className="filters" onSubmit={submit} aria-label="Filter positions">
      <div className="field">
        <label htmlFor={`${ids}-status`}>Status</label>
        <select
          id={`${ids}-status`}
          value={draft.status ?? ""}
          onChange={(event) => {
            // The status applies at once: it is the filter people change most.
            const next = { ...draft, status: (event.target.value || undefined) as PositionStatus | undefined };
            setDraft(next);
            onChange(next);
          }}
        >
          {POSITION_STATUSES.map((status) => (
            <option key={status} value={status}>
              {STATUS_NAMES[status]}
            </option>
          ))}
          <option value="">All statuses</option>
        </select>
      </div>
      {expanded
        ? TEXT_FILTERS.map(([name, label]) => (
            <TextField
              key={name}
              label={label}
              value={draft[name] ?? ""}
              onChange={(value) => setDraft((current) => ({ ...current, [name]: value }))}
            />
          ))
        : null}
      <div className="actions">
        <button type="button" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
          {expanded ? "Fewer filters" : "More filters"}
        </button>
        {expanded ? (
          <>
            <button type="submit">Apply filters</button>
            <button type="button" onClick={() => onChange({ status: draft.status })}>
              Clear filters
            </button>
          </>
        ) : null}
      </div>
    </form>
  );
}
