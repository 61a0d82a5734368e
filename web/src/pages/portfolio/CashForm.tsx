import { useState, type FormEvent } from "react";
import { Loaded } from "../../components/Async";
import { useServices } from "../../app/services";
import { useAction } from "../../api/useAction";
import { useApiGet } from "../../api/useApi";
import type { Cash } from "../../api/types/portfolio";
import { formatMoney } from "../../format";
import { parseDecimal } from "../positions/fields";
import { SaveButtons } from "../positions/Buttons";
import { TextField } from "../positions/TextField";
import { useFocusOnSwitch } from "../positions/useFocusOnSwitch";
import { useRevalidate } from "./revalidate";

/** The cash set by hand (GET/PUT /portfolio/cash); connected accounts add their own. */
export function CashSection() {
  const cash = useApiGet<Cash>("/portfolio/cash");
  return (
    <Loaded data={cash.data} error={cash.error} loading="Loading your cash…">
      {(current) => <CashForm current={current} />}
    </Loaded>
  );
}

function CashForm({ current }: { current: Cash }) {
  const { api } = useServices();
  const revalidate = useRevalidate();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(String(current.cash_balance));
  const [invalid, setInvalid] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const area = useFocusOnSwitch<HTMLDivElement & HTMLFormElement>(editing);
  const save = useAction(async (cash_balance: number) => {
    await api.put<Cash>("/portfolio/cash", { cash_balance });
    await revalidate("/portfolio");
    return true;
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = parseDecimal(text, { label: "Cash", allowZero: true });
    setInvalid(parsed.error);
    if (parsed.error !== undefined) return;
    const done = await save.run(parsed.value);
    if (done) {
      setEditing(false);
      setSaved(true);
    }
  }

  if (!editing) {
    return (
      <div className="cash-view" ref={area}>
        <p>
          Cash you hold outside connected accounts: <strong>{formatMoney(current.cash_balance)}</strong>
        </p>
        <button
          type="button"
          onClick={() => {
            setText(String(current.cash_balance));
            setSaved(false);
            setEditing(true);
          }}
        >
          Edit cash
        </button>
        {saved ? <p role="status">Cash saved.</p> : null}
      </div>
    );
  }
  return (
    <form ref={area} className="inline-form" onSubmit={submit} noValidate>
      <TextField
        label="Cash in US dollars"
        value={text}
        onChange={setText}
        numeric
        required
        hint="Cash you hold outside connected accounts, 0 or more"
        error={invalid}
      />
      <SaveButtons
        busy={save.busy}
        text="Save cash"
        busyText="Saving…"
        onCancel={() => setEditing(false)}
        error={save.error}
      />
    </form>
  );
}
