import { useId } from "react";
import { GOAL_STATUS_LABELS, GOAL_STATUSES, goalTypeLabel, type GoalStatus } from "../../api/types/goals";
import { GOAL_SORTS, type GoalFilter, type GoalSort } from "./goalCards";

interface GoalFiltersProps {
  filter: GoalFilter;
  sort: GoalSort;
  /** The types to offer: those of the user's goals. */
  types: readonly string[];
  onFilter: (filter: GoalFilter) => void;
  onSort: (sort: GoalSort) => void;
}

/** Filter by type and status, and the order of the cards; each change applies at once. */
export function GoalFilters({ filter, sort, types, onFilter, onSort }: GoalFiltersProps) {
  const ids = useId();
  return (
    <div className="goal-filters">
      <div className="field">
        <label htmlFor={`${ids}-type`}>Type</label>
        <select
          id={`${ids}-type`}
          value={filter.type}
          onChange={(event) => onFilter({ ...filter, type: event.target.value })}
        >
          <option value="">All types</option>
          {types.map((type) => (
            <option key={type} value={type}>
              {goalTypeLabel(type)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-status`}>Status</label>
        <select
          id={`${ids}-status`}
          value={filter.status}
          onChange={(event) => onFilter({ ...filter, status: event.target.value as GoalStatus | "" })}
        >
          <option value="">All statuses</option>
          {GOAL_STATUSES.map((status) => (
            <option key={status} value={status}>
              {GOAL_STATUS_LABELS[status]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-sort`}>Sort by</label>
        <select id={`${ids}-sort`} value={sort} onChange={(event) => onSort(event.target.value as GoalSort)}>
          {(Object.entries(GOAL_SORTS) as [GoalSort, string][]).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
