import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ProgressRing } from "./ProgressRing";

describe("ProgressRing", () => {
  it("names its percentage and shows it in the middle", () => {
    render(<ProgressRing percent={65} />);
    const ring = screen.getByRole("img", { name: "65% complete" });
    expect(ring).toHaveTextContent("65%");
  });

  it("takes a name of its own and shows an unknown percentage as a dash", () => {
    render(<ProgressRing percent={null} label="Emergency fund: no progress yet" />);
    expect(screen.getByRole("img", { name: "Emergency fund: no progress yet" })).toHaveTextContent("—");
  });
});
