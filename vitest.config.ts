import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Vitest's default is one worker fewer than the cores: one on the 2-core CI machine.
    // The suite mostly waits (retries, time-outs, child processes, the database), so two
    // files at once take 214 s instead of 300 s on PGlite and 105 s instead of 169 s on
    // PostgreSQL there, every test still passing; the 10-minute budget needs it.
    maxWorkers: Math.max(2, availableParallelism() - 1)
  }
})
