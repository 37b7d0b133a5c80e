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
const serveText = read("deploy/systemd/viralvidvault-serve.service")
const serve = parseUnit(serveText)
/** The drop-in for the embedded database: the server collects instead of the timer. */
const ingestDropIn = parseUnit(read("deploy/systemd/viralvidvault-serve-ingest.conf"))
const flake = read("flake.nix")

/** What says how the program runs rather than how it is confined. */
const notHardening = new Set([
  "Type",
  "ExecStart",
  "WorkingDirectory",
  "EnvironmentFile",
  "LoadCredential",
  "SuccessExitStatus",
  "RestartPreventExitStatus",
  "Restart",
  "RestartSec",
  "KillSignal",
  "TimeoutStopSec",
  "TimeoutStartSec"
])
const keysOf = (unit: ReturnType<typeof parseUnit>, section: string) => [
  ...new Set((unit.sections.get(section) ?? []).map(([k]) => k))
]
/** A setting's values, space-separated lists and repeated lines alike. */
const words = (unit: ReturnType<typeof parseUnit>, section: string, key: string) =>
  unit.get(section, key).flatMap((v) => v.split(/\s+/)).filter((w) => w !== "")

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

  it("the service and the server run as one dynamic user in one state directory", () => {
    // Two different dynamic users would have systemd re-own (chown) the directory at each start.
    expect(service.get("Service", "User")).toEqual(["viralvidvault"])
    expect(serve.get("Service", "User")).toEqual(service.get("Service", "User"))
    expect(serve.get("Service", "StateDirectory")).toEqual(service.get("Service", "StateDirectory"))
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

describe("the serve unit", () => {
  it("is a long-running service of `serve` on 127.0.0.1:8080, started at boot", () => {
    expect(serve.get("Service", "Type")[0]).toMatch(/^(simple|exec)$/)
    expect(serve.get("Service", "ExecStart")).toHaveLength(1)
    expect(serve.get("Service", "ExecStart")[0]).toMatch(/\/node \S*\/dist\/main\.js serve --host 127\.0\.0\.1 --port 8080$/)
    // The same program as the timer's service, from the same place.
    const program = (line: string) => line.split(" ").slice(0, 2).join(" ")
    expect(program(serve.get("Service", "ExecStart")[0]!)).toBe(program(service.get("Service", "ExecStart")[0]!))
    expect(serve.get("Service", "WorkingDirectory")).toEqual(service.get("Service", "WorkingDirectory"))
    expect(serve.get("Service", "EnvironmentFile")).toEqual(service.get("Service", "EnvironmentFile"))
    expect(serve.get("Install", "WantedBy")).toEqual(["multi-user.target"])
  })

  it("a stop by SIGTERM (exit 143) is a success, and stops within seconds", () => {
    expect(words(serve, "Service", "SuccessExitStatus")).toContain("143")
    expect(serve.get("Service", "KillSignal")).toEqual(["SIGTERM"])
    const stop = Number(serve.get("Service", "TimeoutStopSec")[0])
    // It exits within 2 s (3 s when a run's database stalls): a few seconds more, not systemd's 90.
    expect(stop).toBeGreaterThanOrEqual(5)
    expect(stop).toBeLessThanOrEqual(30)
  })

  it("restarts after a failure, but not after a configuration or command-line error, and not forever", () => {
    expect(serve.get("Service", "Restart")).toEqual(["on-failure"])
    expect(serve.get("Service", "RestartSec")).toHaveLength(1)
    expect(words(serve, "Service", "RestartPreventExitStatus")).toEqual(expect.arrayContaining(["78", "64"]))
    // 143 is a success, so a stop is never "restarted".
    expect(words(serve, "Service", "RestartPreventExitStatus")).not.toContain("69")
    expect(Number(serve.get("Unit", "StartLimitBurst")[0])).toBeGreaterThan(0)
    expect(serve.get("Unit", "StartLimitIntervalSec")).toHaveLength(1)
  })

  it("is hardened exactly as the timer's service, and given nothing more", () => {
    const hardening = keysOf(service, "Service").filter((k) => !notHardening.has(k))
    expect(hardening.length).toBeGreaterThan(20)
    for (const key of hardening) expect(serve.get("Service", key), key).toEqual(service.get("Service", key))
    // A server needs no capability (a port above 1024) and no address family more.
    expect(serve.get("Service", "CapabilityBoundingSet")).toEqual([""])
    expect(serve.get("Service", "AmbientCapabilities")).toEqual([""])
    expect(words(serve, "Service", "RestrictAddressFamilies").sort()).toEqual(["AF_INET", "AF_INET6", "AF_UNIX"])
    // Nothing it sets beyond the collector's loosens that: only how it runs and restarts.
    const extra = keysOf(serve, "Service").filter((k) => !notHardening.has(k) && !hardening.includes(k))
    expect(extra).toEqual([])
    // It answers clients: no address filter by default.
    expect(serve.get("Service", "IPAddressDeny")).toEqual([])
  })

  it("holds no key: serving reads the database only", () => {
    expect(serve.get("Service", "LoadCredential")).toEqual([])
    expect(serve.get("Service", "Environment").join(" ")).not.toMatch(/KEY/i)
    expect(serveText).not.toMatch(/AIza/)
  })

  it("says that with the embedded database it collects instead of the timer", () => {
    expect(serveText).toMatch(/--ingest-every/)
    expect(serveText).toMatch(/INSTEAD of viralvidvault\.timer|instead of the timer/i)
    expect(serveText).toMatch(/DATABASE_URL/)
    expect(serveText).toMatch(/viralvidvault-serve-ingest\.conf/)
  })

  it("its drop-in for the embedded database collects every 7 hours, with the key as a credential", () => {
    // A drop-in replaces a command by clearing it first.
    expect(ingestDropIn.get("Service", "ExecStart")).toEqual(["", `${serve.get("Service", "ExecStart")[0]} --ingest-every 7h`])
    expect(ingestDropIn.get("Service", "LoadCredential")).toEqual(service.get("Service", "LoadCredential"))
    expect(ingestDropIn.get("Service", "Environment").join(" ")).not.toMatch(/KEY/i)
    // It changes how it runs, never how it is confined.
    expect(keysOf(ingestDropIn, "Service").filter((k) => !notHardening.has(k))).toEqual([])
  })
})

describe("the NixOS module's serve option", () => {
  it("offers serve.enable, host, port, ingestEvery and openFirewall", () => {
    for (const option of ["enable", "host", "port", "ingestEvery", "openFirewall"]) {
      expect(flake, option).toMatch(new RegExp(`\\b${option} = lib\\.(mkOption|mkEnableOption)`))
    }
    expect(flake).toMatch(/default = "127\.0\.0\.1";/)
    expect(flake).toMatch(/default = 8080;/)
    expect(flake).toMatch(/networking\.firewall\.allowedTCPPorts = lib\.optionals cfg\.serve\.openFirewall \[ cfg\.serve\.port \]/)
  })

  it("generates viralvidvault-serve with the collector's hardening and every setting the unit has", () => {
    expect(flake).toMatch(/systemd\.services\.viralvidvault-serve = \{/)
    // One attribute set of hardening, given to both services.
    expect(flake.match(/serviceConfig = hardening \/\/ \{/g)).toHaveLength(2)
    const keys = [...keysOf(serve, "Service"), ...keysOf(serve, "Unit")].filter(
      (k) => !["ExecStart", "WorkingDirectory", "EnvironmentFile", "Description", "Documentation", "Wants", "After"].includes(k)
    )
    for (const key of keys) expect(flake, key).toMatch(new RegExp(`\\b${key} = `))
    expect(flake).toMatch(/SuccessExitStatus = \[ 143( \d+)* \]/)
    expect(flake).toMatch(/"serve"\s+"--host"\s+cfg\.serve\.host\s+"--port"/)
    expect(flake).toMatch(/"--ingest-every" cfg\.serve\.ingestEvery/)
  })

  it("with ingestEvery the server collects and the timer is not installed; the embedded database is never opened twice", () => {
    expect(flake).toMatch(/collectsInServer = cfg\.serve\.enable && cfg\.serve\.ingestEvery != null;/)
    expect(flake).toMatch(/lib\.mkIf \(!collectsInServer\) \{\s+systemd\.services\.viralvidvault = /)
    expect(flake).toMatch(/assertion = !\(cfg\.serve\.enable && cfg\.serve\.ingestEvery == null && cfg\.databaseUrl == null\);/)
    // The key only for a server that collects.
    expect(flake).toMatch(/LoadCredential = lib\.optionals collectsInServer \[ "youtube-api-key:\$\{cfg\.apiKeyFile\}" \]/)
  })
})
