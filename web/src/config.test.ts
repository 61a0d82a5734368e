import { describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "./config";

const deployed = {
  api_url: "https://api.example.com/",
  auth: {
    authorize_url: "https://login.example.com/oauth2/authorize",
    token_url: "https://login.example.com/oauth2/token",
    logout_url: "https://login.example.com/logout",
    client_id: "abc123",
    scope: "openid email goalpost/api",
    redirect_uri: "https://app.example.com/app/callback",
  },
};

describe("parseConfig", () => {
  it("accepts the deployed shape and drops the API URL's trailing slash", () => {
    const config = parseConfig(deployed);
    expect(config.api_url).toBe("https://api.example.com");
    expect(config.auth.logout_url).toBe("https://login.example.com/logout");
    expect(config.auth.scope).toBe("openid email goalpost/api");
  });

  it("treats a missing or null logout_url as none", () => {
    const { logout_url: _dropped, ...auth } = deployed.auth;
    expect(parseConfig({ ...deployed, auth }).auth.logout_url).toBeNull();
    expect(parseConfig({ ...deployed, auth: { ...auth, logout_url: null } }).auth.logout_url).toBeNull();
  });

  it("names the field that is missing", () => {
    const { client_id: _dropped, ...auth } = deployed.auth;
    expect(() => parseConfig({ ...deployed, auth })).toThrow(new ConfigError("config.json: auth.client_id must be a non-empty string"));
    expect(() => parseConfig({ auth: deployed.auth })).toThrow(/api_url/);
    expect(() => parseConfig(null)).toThrow(/must be a JSON object/);
  });
});

describe("loadConfig", () => {
  it("fetches config.json under the app's base path", async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify(deployed), { status: 200 }));
    const config = await loadConfig(fetchMock);
    expect(fetchMock).toHaveBeenCalledWith("/app/config.json", { cache: "no-store" });
    expect(config.auth.client_id).toBe("abc123");
  });

  it("reports an unreachable config as a ConfigError", async () => {
    const fetchMock = vi.fn(async () => new Response("nope", { status: 404 }));
    await expect(loadConfig(fetchMock)).rejects.toThrow(new ConfigError("config.json could not be loaded (HTTP 404)"));
  });
});
