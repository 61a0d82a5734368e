import type { ComponentType } from "react";
import { DashboardPage } from "../pages/DashboardPage";

export interface AppRoute {
  /** Path under the /app base. */
  path: string;
  title: string;
  /** The page; until it is built, a placeholder with the title. */
  component?: ComponentType;
  /** Listed in the main navigation, under its title. */
  inNav?: boolean;
}

// Every page of the contract's "Web app" section. Order matters: /goals/new before /goals/:id.
export const APP_ROUTES: readonly AppRoute[] = [
  { path: "/", title: "Dashboard", component: DashboardPage, inNav: true },
  { path: "/goals/new", title: "New goal" },
  { path: "/goals/:id", title: "Goal" },
  { path: "/portfolio", title: "Portfolio", inNav: true },
  { path: "/positions", title: "Positions", inNav: true },
  { path: "/positions/:id", title: "Position" },
  { path: "/performance", title: "Performance", inNav: true },
  { path: "/trading-goals", title: "Trading goals", inNav: true },
  { path: "/alerts", title: "Alerts", inNav: true },
  { path: "/settings", title: "Settings", inNav: true },
];
