import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start child processes and servers; two cores do not
    // reward more parallelism than this.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
