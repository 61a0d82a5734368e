import { describe, expect, it } from "vitest";
import { goalTypeLabel } from "./labels";

describe("goal type labels", () => {
  it("read as words", () => {
    expect(goalTypeLabel("emergency_fund")).toBe("Emergency fund");
    expect(goalTypeLabel("debt_free")).toBe("Debt-free");
    expect(goalTypeLabel("monthly_return")).toBe("Monthly return (%)");
  });
});
