import { useCallback, useState } from "react";
import { useLocation } from "wouter";
import { GOAL_STATUS_LABELS, LIFECYCLE_ACTIONS, type Goal, type LifecycleAction } from "../../api/types/goals";
import { useAction } from "../../api/useAction";
import { useServices } from "../../app/services";
import { ErrorText } from "../../components/Async";
import { ConfirmInline } from "./ConfirmInline";
import { goalPath } from "./useGoal";

const ACTION_TEXT: Record<LifecycleAction, string> = {
  pause: "Pause goal",
  resume: "Resume goal",
  complete: "Mark as completed",
  abandon: "Abandon goal",
};

// Completing and abandoning are final: each asks first, and says so.
const CONFIRM_TEXT: Partial<Record<LifecycleAction, string>> = {
  complete: "Mark this goal as completed? A completed goal can no longer change.",
  abandon: "Abandon this goal? An abandoned goal can no longer change.",
};

type Pending = LifecycleAction | "delete" | null;

interface LifecycleActionsProps {
  goal: Goal;
  onChanged: () => Promise<unknown>;
}

/** The changes of status the goal's status allows, and deleting it; a refusal shows the API's detail. */
export function LifecycleActions({ goal, onChanged }: LifecycleActionsProps) {
  const { api } = useServices();
  const [, navigate] = useLocation();
  const [pending, setPending] = useState<Pending>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const path = goalPath(goal.id);
  const change = useAction(useCallback((action: LifecycleAction) => api.post<Goal>(`${path}/${action}`), [api, path]));
  const remove = useAction(useCallback(() => api.delete(path).then(() => true), [api, path]));

  const run = async (action: LifecycleAction) => {
    setPending(null);
    setNotice(null);
    const changed = await change.run(action);
    // A refusal (409) usually means the goal changed elsewhere: read it again so the buttons match it.
    if (changed === undefined) return void (await onChanged());
    setNotice(`The goal is now ${GOAL_STATUS_LABELS[changed.status].toLowerCase()}.`);
    await onChanged();
  };

  const confirm = async (action: LifecycleAction | "delete") => {
    if (action !== "delete") return run(action);
    if (await remove.run()) {
      await onChanged();
      navigate("/");
    }
  };

  const actions = LIFECYCLE_ACTIONS[goal.status];
  const confirmText = pending === null ? undefined : pending === "delete" ? deleteText : CONFIRM_TEXT[pending];
  return (
    <div className="goal-lifecycle">
      {actions.length === 0 && (
        <p>This goal is {GOAL_STATUS_LABELS[goal.status].toLowerCase()}: its status can no longer change.</p>
      )}
      {pending !== null && confirmText !== undefined ? (
        <ConfirmInline
          question={confirmText}
          confirmText={pending === "delete" ? "Yes, delete" : `Yes, ${ACTION_TEXT[pending].toLowerCase()}`}
          cancelText="Cancel"
          busy={change.busy || remove.busy}
          onConfirm={() => void confirm(pending)}
          onCancel={() => setPending(null)}
        />
      ) : (
        <div className="goal-actions">
          {actions.map((action) => (
            <button
              key={action}
              type="button"
              disabled={change.busy}
              onClick={() => (CONFIRM_TEXT[action] === undefined ? void run(action) : setPending(action))}
            >
              {ACTION_TEXT[action]}
            </button>
          ))}
          <button type="button" className="danger" onClick={() => setPending("delete")}>
            Delete goal
          </button>
        </div>
      )}
      <ErrorText message={change.error ?? remove.error} />
      <p role="status" className="goal-notice">
        {notice}
      </p>
    </div>
  );
}

const deleteText = "Delete this goal with its milestones, funding sources and progress entries? This cannot be undone.";
