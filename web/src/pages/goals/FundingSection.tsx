import { useCallback, useState } from "react";
import type { FundingBody, FundingSource } from "../../api/types/goals";
import { useAction } from "../../api/useAction";
import { useServices } from "../../app/services";
import { ErrorText } from "../../components/Async";
import { ConfirmInline } from "./ConfirmInline";
import { formatPercent } from "../../format";
import { FormFooter, InputField, parseAmount } from "./fields";
import { useCheckedSubmit } from "./useCheckedSubmit";
import { goalPath } from "./useGoal";
import { focusHeading, useReturnFocus } from "./useReturnFocus";

// The API's account id rule, so that a typo is caught before the request.
const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

interface FundingSectionProps {
  goalId: string;
  sources: FundingSource[];
  onChanged: () => Promise<unknown>;
}

/** The accounts that fund the goal, with their share; link, change and unlink. */
export function FundingSection({ goalId, sources, onChanged }: FundingSectionProps) {
  return (
    <>
      {sources.length === 0 ? (
        <p className="empty-state">No funding sources yet. Link the account you save into below.</p>
      ) : (
        <ul className="funding-list">
          {sources.map((source) => (
            <li key={source.account_id}>
              <FundingItem goalId={goalId} source={source} onChanged={onChanged} />
            </li>
          ))}
        </ul>
      )}
      <h3>Link an account</h3>
      <FundingForm goalId={goalId} onChanged={onChanged} />
    </>
  );
}

export function allocationError(text: string): string | undefined {
  const percent = parseAmount(text);
  if (text.trim() === "") return "Enter the share of the account, from 0.01 to 100.";
  if (percent === null || percent <= 0 || percent > 100) return "The share must be more than 0 and at most 100.";
  return undefined;
}

function FundingForm({ goalId, onChanged }: { goalId: string; onChanged: () => Promise<unknown> }) {
  const { api } = useServices();
  const [accountId, setAccountId] = useState("");
  const [accountName, setAccountName] = useState("");
  const [allocation, setAllocation] = useState("");
  const link = useAction(
    useCallback(
      (body: FundingBody, idempotencyKey: string) =>
        api.post<FundingSource>(`${goalPath(goalId)}/funding`, body, { idempotencyKey }),
      [api, goalId],
    ),
  );
  const errors: { accountId?: string | undefined; allocation?: string | undefined } = {
    accountId: ACCOUNT_ID.test(accountId.trim())
      ? undefined
      : "Enter the account's id: letters, digits and _ . : @ - (such as checking-1).",
    allocation: allocationError(allocation),
  };
  const form = useCheckedSubmit(errors.accountId !== undefined || errors.allocation !== undefined, async (key) => {
    const body: FundingBody = {
      account_id: accountId.trim(),
      allocation_percent: parseAmount(allocation) ?? 0,
      ...(accountName.trim() === "" ? {} : { account_name: accountName.trim() }),
    };
    if ((await link.run(body, key)) === undefined) return false;
    setAccountId("");
    setAccountName("");
    setAllocation("");
    await onChanged();
    return true;
  });
  const shown = form.showErrors ? errors : {};
  const edited = (set: (value: string) => void) => (value: string) => {
    form.edited();
    set(value);
  };

  return (
    <form className="goal-form" noValidate onSubmit={form.submit}>
      <div className="goal-form-row">
        <InputField label="Account id" value={accountId} onChange={edited(setAccountId)} error={shown.accountId} />
        <InputField
          label="Account name (optional)"
          value={accountName}
          maxLength={200}
          onChange={edited(setAccountName)}
        />
        <InputField
          label="Share of the account (%)"
          value={allocation}
          inputMode="decimal"
          onChange={edited(setAllocation)}
          error={shown.allocation}
        />
      </div>
      <FormFooter error={link.error} busy={link.busy} text="Link account" busyText="Linking…" />
    </form>
  );
}

interface FundingItemProps {
  goalId: string;
  source: FundingSource;
  onChanged: () => Promise<unknown>;
}

function FundingItem({ goalId, source, onChanged }: FundingItemProps) {
  const { api } = useServices();
  const path = `${goalPath(goalId)}/funding/${encodeURIComponent(source.account_id)}`;
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const changeButton = useReturnFocus<HTMLButtonElement>(editing);
  const unlinkButton = useReturnFocus<HTMLButtonElement>(confirming);
  const [allocation, setAllocation] = useState(String(source.allocation_percent));
  const save = useAction(
    useCallback((percent: number) => api.patch<FundingSource>(path, { allocation_percent: percent }), [api, path]),
  );
  const unlink = useAction(useCallback(() => api.delete(path).then(() => true), [api, path]));
  const removed = async () => {
    if (!(await unlink.run())) return;
    await onChanged();
    focusHeading("funding-heading");
  };
  const name = source.account_name ?? source.account_id;
  const error = allocationError(allocation);

  const form = useCheckedSubmit(error !== undefined, async () => {
    if ((await save.run(parseAmount(allocation) ?? 0)) === undefined) return false;
    setEditing(false);
    await onChanged();
    return true;
  });

  return (
    <div className="funding-item">
      <div>
        <strong>{name}</strong>
        {source.account_name !== null && <span className="goal-note"> ({source.account_id})</span>}:{" "}
        {formatPercent(source.allocation_percent)} of the account
      </div>
      {editing ? (
        <form className="goal-form inline" noValidate onSubmit={form.submit}>
          <InputField
            label={`New share of ${name} (%)`}
            value={allocation}
            inputMode="decimal"
            onChange={setAllocation}
            error={form.showErrors ? error : undefined}
          />
          <FormFooter error={save.error} busy={save.busy} text="Save share" busyText="Saving…">
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </FormFooter>
        </form>
      ) : confirming ? (
        <ConfirmInline
          question={`Unlink ${name}?`}
          confirmText="Yes, unlink"
          busy={unlink.busy}
          onConfirm={() => void removed()}
          onCancel={() => setConfirming(false)}
        />
      ) : (
        <div className="milestone-actions">
          <button
            type="button"
            ref={changeButton}
            onClick={() => setEditing(true)}
            aria-label={`Change share of ${name}`}
          >
            Change share
          </button>
          <button type="button" ref={unlinkButton} onClick={() => setConfirming(true)} aria-label={`Unlink ${name}`}>
            Unlink
          </button>
        </div>
      )}
      <ErrorText message={unlink.error} />
    </div>
  );
}
