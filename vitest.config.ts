import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"

/**
 * Every test file on the embedded PGlite; with TEST_DATABASE_URL (a PostgreSQL server
 * a test may create databases on), the database tests (`*.db.test.ts`) a second time on
 * that server, as a project of their own in the same run. One run rather than two keeps
 * the workers busy: the long process tests of one engine overlap the other's instead of
 * each run ending on one of them alone (CI's 10-minute budget needs it).
 */
const postgresql = process.env.TEST_DATABASE_URL ?? ""

export default defineConfig({
  test: {
    // The process tests start several `node dist/main.js` each and wait on real time
    // (retries, signals, time-outs); on a loaded 2-core machine the longest take 25 s.
    testTimeout: 60_000,
    globalSetup: ["test/support/PgliteImage.ts"],
    hookTimeout: 60_000,
    // Each test file loads its modules afresh. Pre-bundled, Effect's packages are a few
    // files to load instead of hundreds; worker threads start cheaper than processes.
    // Both together cut the suite's CPU by ~6 % (937 → 881 s; 14 small files: 82 → 64 s).
    // msgpackr (under @effect/platform) declares its own `createRequire`, which clashes
    // with the one the pre-bundle adds: it stays a package of its own.
    deps: {
      optimizer: {
        ssr: {
          enabled: true,
          include: [
            "effect",
            "@effect/cli",
            "@effect/platform",
            "@effect/platform-node",
            "@effect/printer",
            "@effect/printer-ansi",
            "@effect/sql",
            "@effect/sql-pg",
            "@effect/vitest"
          ],
          exclude: ["msgpackr"]
        }
      }
    },
    // A thread cannot set the umask or change directory: a test that needs to does it in a
    // process it starts.
    pool: "threads",
    maxWorkers: Math.max(4, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: { name: "pglite", include: ["test/**/*.test.ts"], env: { TEST_DATABASE_URL: "" } }
      },
      ...(postgresql === "" ? [] : [{
        extends: true,
        test: {
          name: "postgresql",
          include: ["test/**/*.db.test.ts"],
          // What METRICS_FILE holds does not depend on the engine the run stored in.
          exclude: ["test/Metrics.db.test.ts"],
          env: { TEST_DATABASE_URL: postgresql }
        }
      }])
    ]
  }
})
