/** The path the app is served under, locally and behind CloudFront; vite.config.ts builds for it. */
export const APP_BASE = "/app/";
