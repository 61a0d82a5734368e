import { useState } from "react";
import { Link, useLocation, useParams } from "wouter";
import { useApiGet } from "../api/useApi";
import type { Position } from "../api/types/positions";
import { ErrorText, Loaded } from "../components/Async";
import { Page } from "../components/Page";
import { useRevalidate } from "./portfolio/revalidate";
import { CloseForm, DeleteEntry, LevelsForm, PendingActions } from "./positions/PositionActions";
import { PositionDetails } from "./positions/PositionDetails";
import { SIDE_NAMES } from "./positions/labels";
import "./portfolio/portfolio.css";

export function PositionPage() {
  const { id = "" } = useParams<{ id: string }>();
  const path = `/positions/${encodeURIComponent(id)}`;
  const position = useApiGet<Position>(path);
  const revalidate = useRevalidate();
  const [, navigate] = useLocation();
  const shown = position.data;
  const title = shown?.symbol ? `${shown.symbol} ${SIDE_NAMES[shown.side].toLowerCase()} position` : "Position";

  // A write refused because the position changed meanwhile (closed by the monitor, a bot, another tab): said here,
  // above the position as it now is, since the form that failed may no longer apply.
  const [conflict, setConflict] = useState<string | null>(null);
  async function onConflict(detail: string) {
    setConflict(detail);
    await position.mutate();
  }

  async function onChanged(changed: Position | null) {
    setConflict(null);
    if (changed === null) {
      // Deleted: leave first, so this page does not read it again (a 404); the list reads itself on arrival.
      navigate("/positions");
      await revalidate("/portfolio", "/performance");
      return;
    }
    await position.mutate(changed, { revalidate: false });
    await revalidate("/portfolio", "/performance", "/positions");
  }

  return (
    <Page title={title}>
      <div className="trading">
        <p>
          <Link href="/positions">Back to positions</Link>
        </p>
        <ErrorText message={conflict} />
        <Loaded data={position.data} error={position.error} loading="Loading the position…">
          {(current) => (
            <>
              <PositionDetails
                position={current}
                levelsForm={
                  current.status === "OPEN" ? (
                    <LevelsForm position={current} onChanged={onChanged} onConflict={onConflict} />
                  ) : null
                }
              />
              {current.status === "OPEN" ? (
                <section aria-labelledby="close-heading">
                  <h2 id="close-heading">Close</h2>
                  <CloseForm position={current} onChanged={onChanged} onConflict={onConflict} />
                </section>
              ) : null}
              {current.status === "PENDING" ? (
                <section aria-labelledby="order-heading">
                  <h2 id="order-heading">Order</h2>
                  <p>This order has not filled yet: it is not valued or monitored until it does.</p>
                  <PendingActions position={current} onChanged={onChanged} onConflict={onConflict} />
                </section>
              ) : null}
              <section aria-labelledby="delete-heading">
                <h2 id="delete-heading">Mistaken entry?</h2>
                <DeleteEntry position={current} onChanged={onChanged} />
              </section>
            </>
          )}
        </Loaded>
      </div>
    </Page>
  );
}
