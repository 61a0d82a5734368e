import { useCallback, useState } from "react";
import type { Milestone, MilestoneBody } from "../../api/types/goals";
import { useAction } from "../../api/useAction";
import { useServices } from "../../app/services";
import { ErrorText } from "../../components/Async";
import { ConfirmInline } from "./ConfirmInline";
import { formatCalendarDate, formatMoney } from "../../format";
import { MilestoneForm } from "./MilestoneForm";
import { goalPath } from "./useGoal";
import { useNewlyReached } from "./useNewlyReached";
import { focusHeading, useReturnFocus } from "./useReturnFocus";

interface MilestonesSectionProps {
  goalId: string;
  milestones: Milestone[];
  onChanged: () => Promise<unknown>;
}

/** The goal's milestones in its direction, reached ones marked; add, edit and delete. */
export function MilestonesSection({ goalId, milestones, onChanged }: MilestonesSectionProps) {
  const { api } = useServices();
  const base = `${goalPath(goalId)}/milestones`;
  const add = useAction(
    useCallback(
      (body: MilestoneBody, idempotencyKey: string) => api.post<Milestone>(base, body, { idempotencyKey }),
      [api, base],
    ),
  );
  const reachedCount = milestones.filter((milestone) => milestone.reached).length;
  const newlyReached = useNewlyReached(milestones);

  return (
    <section aria-labelledby="milestones-heading">
      <h2 id="milestones-heading" tabIndex={-1}>
        Milestones
      </h2>
      <p role="status" className="milestone-news">
        {newlyReached === null
          ? null
          : `Milestone reached: ${newlyReached.map((milestone) => milestone.description).join(", ")}.`}
      </p>
      {milestones.length === 0 ? (
        <p className="empty-state">No milestones yet. Add one below to mark the steps on the way to the target.</p>
      ) : (
        <>
          <p>
            {reachedCount} of {milestones.length} reached.
          </p>
          <ul className="milestone-list">
            {milestones.map((milestone) => (
              <li key={milestone.id} className={milestone.reached ? "reached" : undefined}>
                <MilestoneItem base={base} milestone={milestone} onChanged={onChanged} />
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Add a milestone</h3>
      <MilestoneForm
        submitText="Add milestone"
        busy={add.busy}
        error={add.error}
        onSubmit={async (body, key) => {
          const added = await add.run(body, key);
          if (added === undefined) return false;
          await onChanged();
          return true;
        }}
      />
    </section>
  );
}

type ItemMode = "view" | "edit" | "confirm-delete";

interface MilestoneItemProps {
  base: string;
  milestone: Milestone;
  onChanged: () => Promise<unknown>;
}

function MilestoneItem({ base, milestone, onChanged }: MilestoneItemProps) {
  const { api } = useServices();
  const [mode, setMode] = useState<ItemMode>("view");
  const editButton = useReturnFocus<HTMLButtonElement>(mode === "edit");
  const deleteButton = useReturnFocus<HTMLButtonElement>(mode === "confirm-delete");
  const path = `${base}/${encodeURIComponent(milestone.id)}`;
  const save = useAction(useCallback((body: MilestoneBody) => api.patch<Milestone>(path, body), [api, path]));
  const remove = useAction(useCallback(() => api.delete(path).then(() => true), [api, path]));
  const removed = async () => {
    if (!(await remove.run())) return;
    await onChanged();
    focusHeading("milestones-heading");
  };

  if (mode === "edit") {
    return (
      <MilestoneForm
        initial={milestone}
        submitText="Save milestone"
        busy={save.busy}
        error={save.error}
        onCancel={() => setMode("view")}
        onSubmit={async (body) => {
          if ((await save.run(body)) === undefined) return false;
          await onChanged();
          setMode("view");
          return true;
        }}
      />
    );
  }

  return (
    <div className="milestone">
      <div className="milestone-text">
        <span className="milestone-mark" aria-hidden="true">
          {milestone.reached ? "✓" : "○"}
        </span>
        <div>
          <strong>{milestone.description}</strong> at {formatMoney(milestone.amount)}
          <br />
          <span className={milestone.reached ? "milestone-reached" : "milestone-pending"}>
            {milestone.reached
              ? `Reached${milestone.reached_date === null ? "" : ` on ${formatCalendarDate(milestone.reached_date)}`}`
              : "Not reached yet"}
          </span>
          {milestone.target_date !== null && <span> · target date {formatCalendarDate(milestone.target_date)}</span>}
        </div>
      </div>
      {mode === "confirm-delete" ? (
        <ConfirmInline
          question={`Delete the milestone “${milestone.description}”?`}
          confirmText="Yes, delete"
          busy={remove.busy}
          onConfirm={() => void removed()}
          onCancel={() => setMode("view")}
        />
      ) : (
        <div className="milestone-actions">
          <button
            type="button"
            ref={editButton}
            onClick={() => setMode("edit")}
            aria-label={`Edit milestone ${milestone.description}`}
          >
            Edit
          </button>
          <button
            type="button"
            ref={deleteButton}
            onClick={() => setMode("confirm-delete")}
            aria-label={`Delete milestone ${milestone.description}`}
          >
            Delete
          </button>
        </div>
      )}
      <ErrorText message={remove.error} />
    </div>
  );
}
