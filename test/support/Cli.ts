import { Effect } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

export const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the built `dist/main.js` as a user would, with only the environment given (plus PATH). */
export const runCli = (args: ReadonlyArray<string>, env: Record<string, string>, timeoutMs = 60_000) =>
  Effect.async<CliResult>((resume) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, signal, stdout, stderr }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })
