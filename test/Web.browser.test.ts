import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { existsSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { type Browser, chromium, type Page } from "playwright-core"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"
import { runCli, startCli } from "./support/Cli.js"
import { apiItem } from "./support/Fixtures.js"
import { DatabaseUrl, envFor, logText, reset, stateDirectory, waitUntil } from "./support/Run.js"
import { testDatabaseUrl } from "./support/TestDatabase.js"

/**
 * The web page of `serve` in a real browser: Debian's Chromium, driven by playwright-core
 * (no browser is downloaded). The server is `node dist/main.js serve` on a database filled
 * by two runs against the simulated API, one of whose titles is written to attack the page.
 * Screenshots of each page go to test-artifacts/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const ARTIFACTS = join(import.meta.dirname, "..", "test-artifacts")
const LISTENING = /Listening on (http:\/\/127\.0\.0\.1:\d+)/

/** A title and a channel written to run code if the page ever put them into markup. */
const HOSTILE_TITLE = `Zebra parade <img src=x onerror="document.title='pwned';window.__pwned=1"> <script>window.__pwned=2</script> & "friends"`
const HOSTILE_CHANNEL = `<b onmouseover="window.__pwned=3">Bold channel</b>`

/** A 1×1 PNG: the thumbnails' CDN, which this machine cannot reach, answered locally. */
const PIXEL = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==", "base64")

// Outside CI a machine without Chromium skips this file; in CI, .ci/run installs it and a missing one fails.
const runIt = existsSync(CHROMIUM) || process.env.CI === "true"

const shoot = (page: Page, name: string) => Effect.promise(() => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true }))

describe.runIf(runIt)("the web page in Chromium", () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 180_000 })((it) => {
    it.scoped("charts per region, search, a video's charts, the overlap, the docs; a hostile title is text and runs nothing; no console error", () =>
      Effect.gen(function*() {
        mkdirSync(ARTIFACTS, { recursive: true })
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const hostile = apiItem("hostile0001", { title: HOSTILE_TITLE, snippet: { channelTitle: HOSTILE_CHANNEL } })
        const api = yield* makeSimulatedApi({ chartSize: 12 })
        const hostileApi = yield* makeSimulatedApi({ items: { US: [hostile] } })
        const env = { ...envFor(api, databaseUrl), REGIONS: "GB,PL,US", MAX_RESULTS: "12" }
        for (const [which, base] of [["first", api.baseUrl], ["second", api.baseUrl], ["hostile", hostileApi.baseUrl]] as const) {
          const run = yield* runCli(["run"], { ...env, YOUTUBE_API_BASE_URL: base, ...(which === "hostile" ? { REGIONS: "US" } : {}) })
          expect(run.code, `${which} run: ${logText(run)}`).toBe(0)
        }

        const server = yield* startCli(["serve", "--port", "0"], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() })
        yield* waitUntil(() => LISTENING.test(server.stderr()), "the server listens")
        const base = LISTENING.exec(server.stderr())![1]!

        const browser: Browser = yield* Effect.acquireRelease(
          Effect.promise(() =>
            chromium.launch({
              executablePath: CHROMIUM,
              // Without the background-networking flags Chromium keeps calling Google's hosts, which this network refuses.
              args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
            })
          ),
          (b) => Effect.promise(() => b.close())
        )
        const page = yield* Effect.promise(() => browser.newPage({ viewport: { width: 1200, height: 900 } }))
        const problems: Array<string> = []
        page.on("console", (message) => {
          if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`)
        })
        page.on("pageerror", (error) => problems.push(`page error: ${error.message}`))
        page.on("dialog", (dialog) => {
          problems.push(`dialog: ${dialog.message()}`)
          void dialog.dismiss()
        })
        yield* Effect.promise(() => page.route("https://i.ytimg.com/**", (route) => route.fulfill({ contentType: "image/png", body: PIXEL })))
        const text = (selector: string) => Effect.promise(() => page.locator(selector).first().innerText())
        const pwned = () => Effect.promise(() => page.evaluate("window.__pwned ?? null"))

        // The front page: the first region's chart, a tab per region.
        yield* Effect.promise(() => page.goto(`${base}/`))
        expect(yield* text("h1")).toBe("Trending in GB")
        expect(yield* Effect.promise(() => page.locator("ul.tabs a").allInnerTexts())).toEqual(["GB", "PL", "US"])
        expect(yield* Effect.promise(() => page.locator("table.chart-table tbody tr").count())).toBe(12)
        yield* shoot(page, "chart-GB")

        // Another region by its tab; the hostile title is in the chart, as text.
        yield* Effect.promise(() => page.getByRole("link", { name: "US", exact: true }).click())
        yield* Effect.promise(() => page.waitForURL(/region=US/))
        expect(yield* text("h1")).toBe("Trending in US")
        const hostileLink = page.locator(`a[href="/videos/hostile0001"]`)
        expect(yield* Effect.promise(() => hostileLink.innerText())).toBe(HOSTILE_TITLE)
        expect(yield* Effect.promise(() => page.locator("td.title .channel").first().innerText())).toBe(HOSTILE_CHANNEL)
        expect(yield* Effect.promise(() => page.locator("main script, main img[onerror], main b").count())).toBe(0)
        expect(yield* pwned()).toBeNull()
        expect(yield* Effect.promise(() => page.title())).not.toBe("pwned")
        yield* shoot(page, "chart-US-hostile")

        // The search box: a GET form, so the results have an address of their own.
        yield* Effect.promise(() => page.locator(`input[name="q"]`).fill("zebra parade"))
        yield* Effect.promise(() => page.locator(`input[name="q"]`).press("Enter"))
        yield* Effect.promise(() => page.waitForURL(/\?q=zebra\+parade/))
        expect(yield* text("h1")).toBe("Search: zebra parade")
        expect(yield* Effect.promise(() => page.locator("table.hits tbody tr").count())).toBe(1)
        expect(yield* Effect.promise(() => page.locator("table.hits a").first().innerText())).toBe(HOSTILE_TITLE)
        expect(yield* pwned()).toBeNull()
        yield* shoot(page, "search")

        // A video seen by three runs (two charts, then tracking): its rank per region and its views drawn as lines.
        yield* Effect.promise(() => page.goto(`${base}/`))
        yield* Effect.promise(() => page.locator("table.chart-table a").first().click())
        yield* Effect.promise(() => page.waitForURL(/\/videos\//))
        const charts = page.locator("figure.chart svg")
        expect(yield* Effect.promise(() => charts.count())).toBe(2)
        expect(yield* Effect.promise(() => charts.nth(0).locator("polyline").count())).toBeGreaterThanOrEqual(1)
        const points = yield* Effect.promise(() => charts.nth(1).locator("polyline").first().getAttribute("points"))
        expect(points?.split(" ")).toHaveLength(3)
        const drawn = yield* Effect.promise(() => charts.nth(0).boundingBox())
        expect(drawn!.width).toBeGreaterThan(300)
        yield* shoot(page, "video")

        // The hostile video's own page: title and tags as text.
        yield* Effect.promise(() => page.goto(`${base}/videos/hostile0001`))
        expect(yield* text("h1")).toBe(HOSTILE_TITLE)
        expect(yield* pwned()).toBeNull()

        // The overlap as a heat map: three regions, each one's own count on the diagonal.
        yield* Effect.promise(() => page.getByRole("link", { name: "Overlap" }).click())
        yield* Effect.promise(() => page.waitForURL(/\/overlap/))
        expect(yield* Effect.promise(() => page.locator("table.heat tbody tr").count())).toBe(3)
        expect(yield* Effect.promise(() => page.locator("table.heat td.diag").allInnerTexts())).toEqual(["12", "12", "13"])
        yield* shoot(page, "overlap")

        // The API's documentation, from the OpenAPI document, without a script.
        yield* Effect.promise(() => page.getByRole("link", { name: "API" }).click())
        yield* Effect.promise(() => page.waitForURL(/\/docs/))
        const paths = yield* Effect.promise(() => page.locator(".endpoint h3 code").allInnerTexts())
        expect(paths).toEqual(
          expect.arrayContaining(["/api/health", "/api/runs", "/api/charts/{region}", "/api/search", "/api/videos/{id}", "/api/overlap"])
        )
        yield* shoot(page, "docs")

        // A phone's width: nothing wider than the screen but the tables' own scrolling.
        yield* Effect.promise(() => page.setViewportSize({ width: 390, height: 844 }))
        yield* Effect.promise(() => page.goto(`${base}/?region=PL`))
        const overflow = yield* Effect.promise(() => page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
        expect(overflow).toBeLessThanOrEqual(0)
        yield* shoot(page, "phone")

        expect(problems).toEqual([])
        server.child.kill("SIGTERM")
        expect((yield* server.exit).code).toBe(143)
      }), 120_000)
  })
})
