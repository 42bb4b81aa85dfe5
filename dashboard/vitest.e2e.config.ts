import { defineConfig } from "vitest/config";

// The browser tests: the whole system (every service, embedded NATS and Postgres) is started once by
// e2e/system.ts, and Chromium is driven through playwright-core.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    globalSetup: ["e2e/system.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
