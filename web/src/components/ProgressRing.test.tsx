import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ProgressRing } from "./ProgressRing";

describe("ProgressRing", () => {
  it("is a named progressbar whose value is read as the percentage, shown in its middle", () => {
    render(<ProgressRing percent={65} label="House progress" />);
    const ring = screen.getByRole("progressbar", { name: "House progress" });
    expect(ring).toHaveAttribute("aria-valuenow", "65");
    expect(ring).toHaveAttribute("aria-valuetext", "65% complete");
    expect(ring).toHaveTextContent("65%");
  });

  it("stays within its range past 100, its text says how far past", () => {
    render(<ProgressRing percent={140} />);
    const ring = screen.getByRole("progressbar", { name: "Progress" });
    expect(ring).toHaveAttribute("aria-valuenow", "100");
    expect(ring).toHaveAttribute("aria-valuetext", "140% complete");
  });

  it("shows an unknown percentage as a dash", () => {
    render(<ProgressRing percent={null} />);
    expect(screen.getByRole("progressbar")).toHaveTextContent("—");
  });
});
