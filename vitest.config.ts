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
    // PostgreSQL there, every test still passing; the 10-minute budget needs it. Three on
    // 2 cores (2026-11-29, 41 files): 264 s instead of 297 s, every test still passing.
    maxWorkers: Math.max(3, availableParallelism() - 1)
  }
})
