// The contract's rule for a position's levels, checked before sending so the form can say which field to fix
// (the API checks it too): a LONG needs stop loss < entry < take profit, a SHORT the reverse.

import type { Side } from "../../api/types/portfolio";

export interface LevelProblems {
  stop_loss?: string;
  take_profit?: string;
}

export function levelProblems(
  side: Side,
  entry: number,
  stopLoss: number | null,
  takeProfit: number | null,
): LevelProblems {
  const problems: LevelProblems = {};
  const long = side === "LONG";
  const kind = long ? "long" : "short";
  if (stopLoss !== null && (long ? stopLoss >= entry : stopLoss <= entry)) {
    problems.stop_loss = `Stop loss must be ${long ? "below" : "above"} the entry price for a ${kind} position`;
  }
  if (takeProfit !== null && (long ? takeProfit <= entry : takeProfit >= entry)) {
    problems.take_profit = `Take profit must be ${long ? "above" : "below"} the entry price for a ${kind} position`;
  }
  return problems;
}
