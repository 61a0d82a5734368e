import { useState, type FormEvent } from "react";
import { useServices } from "../../app/services";
import { ApiError } from "../../api/client";
import { useAction } from "../../api/useAction";
import type { LevelsUpdate, Position } from "../../api/types/positions";
import { ErrorText } from "../../components/Async";
import { formatMoney } from "../../format";
import { fieldText, parseOptionalDecimal, parseOptionalInteger } from "./fields";
import { SIDE_NAMES } from "./labels";
import { levelProblems } from "./levels";
import { Confirm, SaveButtons } from "./Buttons";
import { TextField } from "./TextField";
import { useFocusOnSwitch } from "./useFocusOnSwitch";

interface ActionProps {
  position: Position;
  /** After a write: the position as the API answered, to show and to revalidate what depends on it. */
  onChanged: (position: Position | null) => Promise<void>;
  /** The API said the position's state forbids the write (409): it changed meanwhile; its detail. */
  onConflict: (detail: string) => Promise<void>;
}

/** A write whose 409 also tells the page, which then shows the detail and reads the position again (its form may
 * go away with the state that allowed it). */
async function stateful<T>(request: Promise<T>, onConflict: ActionProps["onConflict"]): Promise<T> {
  try {
    return await request;
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 409) await onConflict(failure.message);
    throw failure;
  }
}

const LEVELS = [
  ["stop_loss", "Stop loss", "A price; blank for none"],
  ["take_profit", "Take profit", "A price; blank for none"],
  ["trailing_stop_percent", "Trailing stop (%)", "Below 100; blank for none"],
  ["max_duration_minutes", "Maximum duration (minutes)", "Whole minutes; blank for none"],
] as const;
type LevelName = (typeof LEVELS)[number][0];
type LevelTexts = Record<LevelName, string>;

function levelTexts(position: Position): LevelTexts {
  return {
    stop_loss: fieldText(position.stop_loss),
    take_profit: fieldText(position.take_profit),
    trailing_stop_percent: fieldText(position.trailing_stop_percent),
    max_duration_minutes: fieldText(position.max_duration_minutes),
  };
}

/** What changed, as PATCH /positions/{id} takes it (null clears a level), or what to fix. */
export function levelsUpdate(
  position: Position,
  texts: LevelTexts,
): { update?: LevelsUpdate; problems: Partial<Record<LevelName, string>> } {
  const parsed = {
    stop_loss: parseOptionalDecimal(texts.stop_loss, { label: "Stop loss" }),
    take_profit: parseOptionalDecimal(texts.take_profit, { label: "Take profit" }),
    trailing_stop_percent: parseOptionalDecimal(texts.trailing_stop_percent, { label: "Trailing stop", below: 100 }),
    max_duration_minutes: parseOptionalInteger(texts.max_duration_minutes, "Maximum duration", 1, 525_600),
  };
  const problems: Partial<Record<LevelName, string>> = {};
  for (const [name, result] of Object.entries(parsed) as [LevelName, (typeof parsed)[LevelName]][]) {
    if (result.error !== undefined) problems[name] = result.error;
  }
  if (parsed.stop_loss.value !== undefined && parsed.take_profit.value !== undefined) {
    const entry = Number(position.entry_price);
    Object.assign(problems, levelProblems(position.side, entry, parsed.stop_loss.value, parsed.take_profit.value));
  }
  if (Object.keys(problems).length > 0) return { problems };
  const before = levelTexts(position);
  const update: LevelsUpdate = {};
  for (const [name] of LEVELS) {
    if (texts[name].trim() !== before[name]) update[name] = parsed[name].value ?? null;
  }
  return { update, problems };
}

/** Changes the levels of an OPEN position. */
export function LevelsForm({ position, onChanged, onConflict }: ActionProps) {
  const { api } = useServices();
  const [editing, setEditing] = useState(false);
  const [texts, setTexts] = useState<LevelTexts>(() => levelTexts(position));
  const [problems, setProblems] = useState<Partial<Record<LevelName, string>>>({});
  const [note, setNote] = useState<string | null>(null);
  const area = useFocusOnSwitch<HTMLDivElement & HTMLFormElement>(editing);
  const save = useAction(async (update: LevelsUpdate) => {
    const changed = await stateful(api.patch<Position>(`/positions/${position.id}`, update), onConflict);
    await onChanged(changed);
    return changed;
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const { update, problems: found } = levelsUpdate(position, texts);
    setProblems(found);
    if (update === undefined) return;
    if (Object.keys(update).length === 0) {
      setEditing(false);
      setNote("Nothing changed.");
      return;
    }
    if (await save.run(update)) {
      setEditing(false);
      setNote("Levels saved.");
    }
  }

  if (!editing) {
    return (
      <div className="actions" ref={area}>
        <button
          type="button"
          onClick={() => {
            setTexts(levelTexts(position));
            setProblems({});
            setNote(null);
            save.clearError();
            setEditing(true);
          }}
        >
          Edit levels
        </button>
        {note ? <p role="status">{note}</p> : null}
      </div>
    );
  }
  return (
    <form ref={area} onSubmit={submit} noValidate aria-label="Edit levels" className="inline-form">
      {LEVELS.map(([name, label, hint]) => (
        <TextField
          key={name}
          label={label}
          hint={hint}
          numeric
          value={texts[name]}
          onChange={(value) => setTexts((current) => ({ ...current, [name]: value }))}
          error={problems[name]}
        />
      ))}
      <SaveButtons
        busy={save.busy}
        text="Save levels"
        busyText="Saving…"
        onCancel={() => setEditing(false)}
        error={save.error}
      />
    </form>
  );
}

/** Closes an OPEN position by hand (MANUAL), at a price given or the latest cached one; asks to confirm first. */
export function CloseForm({ position, onChanged, onConflict }: ActionProps) {
  const { api } = useServices();
  const [price, setPrice] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const [confirming, setConfirming] = useState<number | null | undefined>(undefined);
  const area = useFocusOnSwitch<HTMLDivElement & HTMLFormElement>(confirming !== undefined);
  const close = useAction(async (exitPrice: number | null) => {
    const body = exitPrice === null ? {} : { exit_price: exitPrice };
    const closed = await stateful(api.post<Position>(`/positions/${position.id}/close`, body), onConflict);
    await onChanged(closed);
    return closed;
  });
  const name = `${position.symbol} ${SIDE_NAMES[position.side].toLowerCase()}`;

  function review(event: FormEvent) {
    event.preventDefault();
    const parsed = parseOptionalDecimal(price, { label: "Exit price" });
    setProblem(parsed.error);
    close.clearError();
    if (parsed.error === undefined) setConfirming(parsed.value);
  }

  if (confirming !== undefined) {
    const at = confirming === null ? "at the latest market price" : `at ${formatMoney(confirming)}`;
    return (
      <Confirm
        ref={area}
        label="Confirm closing"
        question={`Close the ${name} position ${at}? This cannot be undone.`}
        yes="Yes, close it"
        busyText="Closing…"
        no="Keep it open"
        busy={close.busy}
        onYes={async () => {
          if (!(await close.run(confirming))) setConfirming(undefined);
        }}
        onNo={() => setConfirming(undefined)}
      />
    );
  }
  return (
    <form ref={area} onSubmit={review} noValidate aria-label="Close position" className="inline-form">
      <TextField
        label="Exit price"
        hint="Blank to close at the latest market price"
        numeric
        value={price}
        onChange={setPrice}
        error={problem}
      />
      <div className="actions">
        <button type="submit">Close position</button>
      </div>
      <ErrorText message={close.error} />
    </form>
  );
}

/** A PENDING order: it filled (OPEN, at the price and quantity given or the order's), or it will not. */
export function PendingActions({ position, onChanged, onConflict }: ActionProps) {
  const { api } = useServices();
  const [price, setPrice] = useState("");
  const [quantity, setQuantity] = useState("");
  const [problems, setProblems] = useState<{ price?: string; quantity?: string }>({});
  const act = useAction(async (path: "fill" | "cancel", body: object) => {
    const changed = await stateful(api.post<Position>(`/positions/${position.id}/${path}`, body), onConflict);
    await onChanged(changed);
    return changed;
  });

  async function fill(event: FormEvent) {
    event.preventDefault();
    const parsedPrice = parseOptionalDecimal(price, { label: "Fill price" });
    const parsedQuantity = parseOptionalDecimal(quantity, { label: "Filled quantity" });
    setProblems({ price: parsedPrice.error, quantity: parsedQuantity.error });
    if (parsedPrice.error !== undefined || parsedQuantity.error !== undefined) return;
    const body: Record<string, number> = {};
    if (parsedPrice.value !== null) body.entry_price = parsedPrice.value;
    if (parsedQuantity.value !== null) body.quantity = parsedQuantity.value;
    await act.run("fill", body);
  }

  return (
    <>
      <form onSubmit={fill} noValidate aria-label="Record the fill" className="inline-form">
        <TextField
          label="Fill price"
          hint="Blank if it filled at the entry price"
          numeric
          value={price}
          onChange={setPrice}
          error={problems.price}
        />
        <TextField
          label="Filled quantity"
          hint="Blank if all of it filled"
          numeric
          value={quantity}
          onChange={setQuantity}
          error={problems.quantity}
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={act.busy}>
            Mark as filled
          </button>
          <button type="button" disabled={act.busy} onClick={() => void act.run("cancel", {})}>
            Cancel the order
          </button>
          <button type="button" disabled={act.busy} onClick={() => void act.run("cancel", { failed: true })}>
            Mark the order failed
          </button>
        </div>
      </form>
      <ErrorText message={act.error} />
    </>
  );
}

/** Deletes a mistaken entry (it leaves the statistics), after a confirmation. */
export function DeleteEntry({ position, onChanged }: Omit<ActionProps, "onConflict">) {
  const { api } = useServices();
  const [confirming, setConfirming] = useState(false);
  const area = useFocusOnSwitch<HTMLDivElement>(confirming);
  const remove = useAction(async () => {
    await api.delete(`/positions/${position.id}`);
    await onChanged(null);
    return true;
  });
  if (!confirming) {
    return (
      <div ref={area}>
        <button type="button" onClick={() => setConfirming(true)}>
          Delete this entry
        </button>
      </div>
    );
  }
  return (
    <Confirm
      ref={area}
      label="Confirm deleting"
      question="Delete this position as a mistaken entry? It leaves your history and statistics for good."
      yes="Yes, delete it"
      busyText="Deleting…"
      no="Keep it"
      busy={remove.busy}
      onYes={() => void remove.run()}
      onNo={() => setConfirming(false)}
      error={remove.error}
    />
  );
}
