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
    // Vitest's default is one worker fewer than the cores: one on the 2-core CI machine.
    // Many tests wait (retries, time-outs, signals, the database), so two files at once
    // took 214 s instead of 300 s on PGlite and 105 s instead of 169 s on PostgreSQL
    // there; three on 2 cores (41 files) 264 s instead of 297 s; both projects in one
    // run (68 files), four: see the commit that set it.
    maxWorkers: Math.max(4, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: { name: "pglite", include: ["test/**/*.test.ts"], env: { TEST_DATABASE_URL: "" } }
      },
      ...(postgresql === "" ? [] : [{
        extends: true,
        test: { name: "postgresql", include: ["test/**/*.db.test.ts"], env: { TEST_DATABASE_URL: postgresql } }
      }])
    ]
  }
})
