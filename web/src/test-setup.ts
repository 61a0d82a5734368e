import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// findBy* waits up to 1 s by default; a busy CI machine (make test runs suites side by side) can take longer
// to render a first page, and a timeout there says nothing about the app.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => {
  cleanup();
  // Tests of pure modules run in Node, which has no sessionStorage.
  if (typeof sessionStorage !== "undefined") sessionStorage.clear();
});
