import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/**
 * The units as systemd reads them (CI also runs `systemd-analyze verify`), and the
 * NixOS module kept in step with them.
 */

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), "utf8")

/** [section] key=value lines; a key may repeat. */
const parseUnit = (text: string) => {
  const sections = new Map<string, Array<[string, string]>>()
  let current: Array<[string, string]> | undefined
  for (const raw of text.split("\n")) {
    const line = raw.trim()
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue
    const section = /^\[(.+)\]$/.exec(line)
    if (section !== null) {
      current = []
      sections.set(section[1]!, current)
      continue
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (pair === null || current === undefined) throw new Error(`not a unit line: ${line}`)
    current.push([pair[1]!, pair[2]!])
  }
  const get = (section: string, key: string) => (sections.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v)
  return { sections, get }
}

const service = parseUnit(read("deploy/systemd/viralvidvault.service"))
const timer = parseUnit(read("deploy/systemd/viralvidvault.timer"))
const flake = read("flake.nix")

describe("systemd units", () => {
  it("the service is a hardened oneshot that runs the bundle once", () => {
    expect(service.get("Service", "Type")).toEqual(["oneshot"])
    expect(service.get("Service", "ExecStart")[0]).toMatch(/\/node \S*\/dist\/main\.js run$/)
    expect(service.get("Service", "DynamicUser")).toEqual(["yes"])
    expect(service.get("Service", "ProtectSystem")).toEqual(["strict"])
    expect(service.get("Service", "NoNewPrivileges")).toEqual(["yes"])
    expect(service.get("Service", "PrivateTmp")).toEqual(["yes"])
    expect(service.get("Service", "StateDirectory")).toEqual(["viralvidvault"])
  })

  it("the key is a credential, never an environment line", () => {
    expect(service.get("Service", "LoadCredential")[0]).toMatch(/^youtube-api-key:\//)
    expect(service.get("Service", "Environment").join(" ")).not.toMatch(/KEY/i)
  })

  it("exit statuses agree with the exit codes: a partial run is a success, a configuration error is not retried", () => {
    expect(service.get("Service", "SuccessExitStatus")).toEqual(["75"])
    expect(service.get("Service", "RestartPreventExitStatus")).toEqual(["78"])
  })

  it("the timer fires every 7 hours, measured from the last run, and after boot", () => {
    expect(timer.get("Timer", "OnUnitActiveSec")).toEqual(["7h"])
    expect(timer.get("Timer", "OnBootSec")).toHaveLength(1)
    expect(timer.get("Timer", "OnCalendar")).toEqual([])
    expect(timer.get("Install", "WantedBy")).toEqual(["timers.target"])
  })

  it("the NixOS module sets every hardening option the unit sets", () => {
    const keys = [...new Set((service.sections.get("Service") ?? []).map(([k]) => k))].filter(
      (k) => !["ExecStart", "WorkingDirectory", "EnvironmentFile", "LoadCredential"].includes(k)
    )
    for (const key of keys) expect(flake, key).toMatch(new RegExp(`\\b${key} = `))
    expect(flake).toMatch(/LoadCredential = \[ "youtube-api-key:\$\{cfg\.apiKeyFile\}" \]/)
    expect(flake).toMatch(/OnUnitActiveSec = cfg\.interval/)
  })
})
