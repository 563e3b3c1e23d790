// The vitest settings every workspace package shares; each package's vitest.config.ts re-exports it.

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    // Real sockets and child processes on a 2-core machine: generous, but every wait inside a
    // test is bounded by its own shorter timeout.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
