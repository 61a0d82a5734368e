import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";
import { APP_BASE } from "./src/base.ts";

// The app is served under /app/ both locally and behind CloudFront; every asset URL carries it.
export default defineConfig({
  base: APP_BASE,
  plugins: [react()],
  build: {
    outDir: "dist",
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test-setup.ts"],
    restoreMocks: true,
    // Vitest keeps a CPU for its main thread, which mostly waits: on a 2-CPU runner that left one worker for all
    // the files (75 s; 54 s with two, measured on a busy machine).
    maxWorkers: "100%",
  },
});
