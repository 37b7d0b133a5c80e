import { Effect } from "effect"

/**
 * Whether a process with this id exists: signal 0 checks without sending anything.
 * EPERM means it exists as another user (systemd's DynamicUser gives each run its own).
 */
export const isAlive = (pid: number): Effect.Effect<boolean> =>
  Effect.sync(() => {
    try {
      process.kill(pid, 0)
      return true
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === "EPERM"
    }
  })
