// How positions' codes read to a person.

import type { Side } from "../../api/types/portfolio";
import type { ExitReason, PositionStatus } from "../../api/types/positions";

export const SIDE_NAMES: Record<Side, string> = { LONG: "Long", SHORT: "Short" };

export const STATUS_NAMES: Record<PositionStatus, string> = {
  OPEN: "Open",
  PENDING: "Pending (order not filled)",
  CLOSED: "Closed",
  CANCELLED: "Cancelled",
  FAILED: "Failed",
};

export const EXIT_REASON_NAMES: Record<ExitReason, string> = {
  TP_HIT: "Take profit hit",
  SL_HIT: "Stop loss hit",
  TRAILING_STOP: "Trailing stop",
  TIMEOUT: "Timed out",
  LIQUIDATION: "Liquidated",
  MANUAL: "Closed by hand",
};
