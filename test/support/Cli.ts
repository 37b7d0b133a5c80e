import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

export const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** When the process exited (Date.now()). */
  readonly exitedAt: number
}

export interface RunningCli {
  readonly child: ChildProcess
  /** Completes when the process exits. */
  readonly exit: Effect.Effect<CliResult>
  /** What it has written to stderr so far. */
  readonly stderr: () => string
  /** What it has written to stdout so far. */
  readonly stdout: () => string
}

/** Starts `node script …args` with only the environment given (plus PATH); killed with the scope. */
export const startNode = (script: string, args: ReadonlyArray<string>, env: Record<string, string>, timeoutMs = 60_000) =>
  startProcess(process.execPath, [script, ...args], env, timeoutMs)

/** Starts `file …args` with only the environment given (plus PATH and HOME); killed with the scope. */
export const startProcess = (file: string, args: ReadonlyArray<string>, env: Record<string, string>, timeoutMs = 60_000) =>
  Effect.acquireRelease(
    Effect.sync((): RunningCli => {
      const child = spawn(file, args, {
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      child.stdout!.on("data", (d) => (stdout += d))
      child.stderr!.on("data", (d) => (stderr += d))
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
      const exited = new Promise<CliResult>((resolve) =>
        child.on("close", (code, signal) => {
          clearTimeout(timer)
          resolve({ code, signal, stdout, stderr, exitedAt: Date.now() })
        })
      )
      return { child, exit: Effect.promise(() => exited), stderr: () => stderr, stdout: () => stdout }
    }),
    ({ child }) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
  )

/** Starts the built `dist/main.js` as a user would. */
export const startCli = (args: ReadonlyArray<string>, env: Record<string, string>, timeoutMs = 60_000) =>
  startNode(MAIN, args, env, timeoutMs)

/** Runs `dist/main.js` to completion. */
export const runCli = (args: ReadonlyArray<string>, env: Record<string, string>, timeoutMs = 60_000) =>
  Effect.scoped(Effect.flatMap(startCli(args, env, timeoutMs), (running) => running.exit))
