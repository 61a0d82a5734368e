// @vitest-environment node
// WebCrypto digests are checked in Node: jsdom hands subtle.digest its own realm's Uint8Array.
import { describe, expect, it } from "vitest";
import { base64UrlEncode, codeChallengeS256, createCodeVerifier, createState } from "./pkce";

describe("pkce", () => {
  it("derives the S256 challenge of a verifier as openssl does", async () => {
    // Expected value from: printf %s <verifier> | openssl dgst -sha256 -binary | base64 (url-safe, unpadded).
    const challenge = await codeChallengeS256("dBjftJeZ4CVP-mJ92K6JFlbb2LmxcHS4uItTzErNh2Y");
    expect(challenge).toBe("xGCpQj7tHlktjx7SkcKL0Op4txmqiSLmTHxaXBI0e1Y");
  });

  it("encodes base64url without padding", () => {
    expect(base64UrlEncode(new Uint8Array([251, 255, 191]))).toBe("-_-_");
    expect(base64UrlEncode(new Uint8Array([1]))).toBe("AQ");
  });

  it("makes verifiers of 43 unreserved characters, different each time", () => {
    const first = createCodeVerifier();
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createCodeVerifier()).not.toBe(first);
  });

  it("makes unguessable states", () => {
    expect(createState()).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(createState()).not.toBe(createState());
  });
});
