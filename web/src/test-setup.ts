import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(() => {
  cleanup();
  // Tests of pure modules run in Node, which has no sessionStorage.
  if (typeof sessionStorage !== "undefined") sessionStorage.clear();
});
