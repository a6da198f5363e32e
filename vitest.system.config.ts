import { defineConfig } from "vitest/config";

// System tests need root and Debian packages (installed by .ci/run); `npm test` never runs them.
export default defineConfig({
  test: {
    include: ["test/system/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
