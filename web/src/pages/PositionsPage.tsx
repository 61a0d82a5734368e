import { useMemo } from "react";
import { useLocation, useSearch } from "wouter";
import type { Position, PositionFilter } from "../api/types/positions";
import { Page } from "../components/Page";
import { useRevalidate } from "./portfolio/revalidate";
import { OpenPositionForm } from "./positions/OpenPositionForm";
import { filterFromSearch, PositionFilters, searchFromFilter } from "./positions/PositionFilters";
import { PositionList, usePositionPages } from "./positions/PositionList";
import { STATUS_NAMES } from "./positions/labels";
import "./portfolio/portfolio.css";

function emptyText(filter: PositionFilter): string {
  const narrowed = Boolean(filter.symbol ?? filter.strategy ?? filter.bot_id ?? filter.prompt_id);
  const status = filter.status ? `${STATUS_NAMES[filter.status].toLowerCase()} ` : "";
  if (narrowed) return `No ${status}positions match these filters. Clear the filters to see more.`;
  if (filter.status === "OPEN") return "No open positions. Open one with the form below.";
  return `No ${status}positions yet.`;
}

export function PositionsPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filter = useMemo(() => filterFromSearch(search), [search]);
  const pages = usePositionPages(filter);
  const revalidate = useRevalidate();

  async function onOpened(_position: Position) {
    await Promise.all([pages.mutate(), revalidate("/portfolio", "/performance")]);
  }

  return (
    <Page title="Positions">
      <div className="trading">
        <section aria-labelledby="positions-list-heading">
          <h2 id="positions-list-heading">Your positions</h2>
          <PositionFilters filter={filter} onChange={(next) => navigate(`/positions${searchFromFilter(next)}`)} />
          <PositionList
            pages={pages}
            empty={<p>{emptyText(filter)}</p>}
            showStatus={filter.status === undefined}
          />
        </section>
        <section>
          <OpenPositionForm onOpened={onOpened} />
        </section>
      </div>
    </Page>
  );
}
