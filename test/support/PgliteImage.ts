import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * Vitest's global set-up: a fresh PGlite data directory (initdb, not migrated), saved once
 * per PGlite version, from which each test file's in-memory database starts instead of
 * running initdb again (5 s of CPU a file, a few minutes of CI in all). Its path is given
 * to the test files as PGLITE_IMAGE.
 */
// Its package.json is not among the package's exports: read from where npm put it.
const manifest = join(import.meta.dirname, "..", "..", "node_modules", "@electric-sql", "pglite", "package.json")
const version = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version
export const IMAGE = join(tmpdir(), `viralvidvault-test-pglite-${version}.tar`)

export default async function setup() {
  if (!existsSync(IMAGE)) {
    const { PGlite } = await import("@electric-sql/pglite")
    const db = await PGlite.create()
    const image = await db.dumpDataDir("none")
    await db.close()
    mkdirSync(tmpdir(), { recursive: true })
    // Two projects may set up at once: each writes its own file, the rename is atomic.
    const partial = `${IMAGE}.${process.pid}.${Math.random().toString(36).slice(2)}`
    writeFileSync(partial, Buffer.from(await image.arrayBuffer()))
    renameSync(partial, IMAGE)
  }
  process.env.PGLITE_IMAGE = IMAGE
}
