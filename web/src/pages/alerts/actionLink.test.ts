import { describe, expect, it } from "vitest";
import { actionLink } from "./actionLink";

const ORIGIN = "https://app.example.com";

describe("actionLink", () => {
  it.each([
    ["/app/goals/01JD8Z", "/goals/01JD8Z", "goal"],
    ["/app/positions/p_1-x", "/positions/p_1-x", "position"],
    ["/app/trading-goals", "/trading-goals", "trading goals"],
    ["/app/alerts", "/alerts", "alerts"],
    ["/app/", "/", "dashboard"],
    ["/app/goals/g1?tab=history#milestones", "/goals/g1?tab=history#milestones", "goal"],
    ["https://app.example.com/app/goals/g1", "/goals/g1", "goal"],
  ])("takes the app's path %s to the route %s", (url, route, what) => {
    expect(actionLink(url, ORIGIN)).toEqual({ route, what });
  });

  it.each([
    ["/goals/g1", "/goals/g1"],
    ["/positions/p1", "/positions/p1"],
  ])("reads the API's path %s as the app's page %s", (url, route) => {
    expect(actionLink(url, ORIGIN)?.route).toBe(route);
  });

  it.each([
    null,
    undefined,
    "",
    "https://evil.example.com/app/goals/g1",
    "//evil.example.com/app/goals/g1",
    "\\\\evil.example.com/app/goals/g1",
    "/\\evil.example.com/app/goals/g1",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://app.example.com/app/goals/g1",
    "/app/callback?code=x&state=y",
    "/app/goals/g1/../../../evil",
    "/app/goals/%2e%2e",
    "/app/goals/a%2Fb",
    "/app/goals/",
    "/app/nowhere",
    "/api/goals/g1",
    "/app/goals/g1/extra",
    "goals/g1",
  ])("refuses %s", (url) => {
    expect(actionLink(url, ORIGIN)).toBeNull();
  });
});
