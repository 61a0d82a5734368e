import type { ComponentType } from "react";
import { AlertsPage } from "../pages/AlertsPage";
import { DashboardPage } from "../pages/DashboardPage";
import { GoalPage } from "../pages/GoalPage";
import { NewGoalPage } from "../pages/NewGoalPage";
import { PerformancePage } from "../pages/PerformancePage";
import { PortfolioPage } from "../pages/PortfolioPage";
import { PositionPage } from "../pages/PositionPage";
import { PositionsPage } from "../pages/PositionsPage";
import { SettingsPage } from "../pages/SettingsPage";
import { TradingGoalsPage } from "../pages/TradingGoalsPage";

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
  { path: "/goals/new", title: "New goal", component: NewGoalPage },
  { path: "/goals/:id", title: "Goal", component: GoalPage },
  { path: "/portfolio", title: "Portfolio", component: PortfolioPage, inNav: true },
  { path: "/positions", title: "Positions", component: PositionsPage, inNav: true },
  { path: "/positions/:id", title: "Position", component: PositionPage },
  { path: "/performance", title: "Performance", component: PerformancePage, inNav: true },
  { path: "/trading-goals", title: "Trading goals", component: TradingGoalsPage, inNav: true },
  { path: "/alerts", title: "Alerts", component: AlertsPage, inNav: true },
  { path: "/settings", title: "Settings", component: SettingsPage, inNav: true },
];
