// PKCE (RFC 7636) with the browser's WebCrypto: a few lines instead of an OIDC client library.

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomUrlSafe(byteCount: number): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(byteCount)));
}

/** 32 random bytes: 43 characters, the shortest verifier RFC 7636 allows, with 256 bits of entropy. */
export function createCodeVerifier(): string {
  return randomUrlSafe(32);
}

/** The state that ties a callback to the sign-in this browser started (CSRF protection). */
export function createState(): string {
  return randomUrlSafe(16);
}

export async function codeChallengeS256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}
