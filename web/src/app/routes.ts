import type { ComponentType } from "react";
import { DashboardPage } from "../pages/DashboardPage";

export interface AppRoute {
  /** Path under the /app base. */
  path: string;
  title: string;
  /** The page; until it is built, a placeholder with the title. */
  component?: ComponentType;
}

// Every page of the contract's "Web app" section. Order matters: /goals/new before /goals/:id.
export const APP_ROUTES: readonly AppRoute[] = [
  { path: "/", title: "Dashboard", component: DashboardPage },
  { path: "/goals/new", title: "New goal" },
  { path: "/goals/:id", title: "Goal" },
  { path: "/portfolio", title: "Portfolio" },
  { path: "/positions", title: "Positions" },
  { path: "/positions/:id", title: "Position" },
  { path: "/performance", title: "Performance" },
  { path: "/trading-goals", title: "Trading goals" },
  { path: "/alerts", title: "Alerts" },
  { path: "/settings", title: "Settings" },
];
