import { defineConfig } from "vitest/config";

/**
 * Four projects, so a developer can run the fast pure-core tests alone
 * (`vitest --project unit`) while CI runs all of them against real services.
 */
export default defineConfig({
  test: {
    // Handlers log and emit EMF metrics to stdout in Lambda; in tests that is noise.
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    env: { POWERTOOLS_METRICS_DISABLED: "true", POWERTOOLS_LOG_LEVEL: "WARN" },
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 30_000 } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        // Synthesizing with real bundling takes its time on a busy machine, in beforeAll hooks too.
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
