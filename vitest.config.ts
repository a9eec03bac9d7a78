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
    // The real SDK's credential chain and region, pointed at the simulator by each test.
    env: {
      AWS_ACCESS_KEY_ID: "AKIDTESTONLY",
      AWS_SECRET_ACCESS_KEY: "test-secret-not-real",
      AWS_REGION: "us-east-1",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  },
});
