import { execFile } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { imageBlob } from "./ImageBlob.js"

/**
 * Vitest's global set-up: the data directories each test file's in-memory PGlite starts
 * from instead of running initdb (5 s of CPU a file) and the migrations (2.3 s more).
 * - PGLITE_IMAGE: fresh from initdb, not migrated; saved once per PGlite version.
 * - PGLITE_MIGRATED_IMAGE: the same after `node dist/main.js migrate` (the build under
 *   test: `npm test` bundles first), made for this run and removed after it. Without a
 *   bundle, or if it cannot be made, the files start from the fresh one.
 */
const ROOT = join(import.meta.dirname, "..", "..")
// Its package.json is not among the package's exports: read from where npm put it.
const manifest = join(ROOT, "node_modules", "@electric-sql", "pglite", "package.json")
const version = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version
const IMAGE = join(tmpdir(), `viralvidvault-test-pglite-${version}.tar`)

/** Writes beside, then renames: two projects may set up at once. */
const save = async (path: string, image: Blob) => {
  mkdirSync(tmpdir(), { recursive: true })
  const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`
  writeFileSync(partial, Buffer.from(await image.arrayBuffer()))
  renameSync(partial, path)
}

const migrated = async (): Promise<string | undefined> => {
  if (!existsSync(join(ROOT, "dist", "main.js"))) return undefined
  const { PGlite } = await import("@electric-sql/pglite")
  const { unaccent } = await import("@electric-sql/pglite/contrib/unaccent")
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket")
  const db = await PGlite.create(undefined, { extensions: { unaccent }, loadDataDir: imageBlob(IMAGE) })
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 4 })
  await server.start()
  const state = mkdtempSync(join(tmpdir(), "vvv-image-"))
  try {
    await promisify(execFile)(process.execPath, [join(ROOT, "dist", "main.js"), "migrate"], {
      env: { ...process.env, DATABASE_URL: `postgres://postgres@${server.getServerConn()}/postgres`, STATE_DIRECTORY: state }
    })
    await server.stop()
    const path = join(tmpdir(), `viralvidvault-test-pglite-migrated-${process.pid}-${Math.random().toString(36).slice(2)}.tar`)
    await save(path, await db.dumpDataDir("none"))
    return path
  } catch (error) {
    process.stderr.write(`test set-up: no migrated PGlite image (each file migrates its own): ${String(error)}\n`)
    return undefined
  } finally {
    await db.close()
    rmSync(state, { recursive: true, force: true })
  }
}

export default async function setup(project?: { readonly name: string }) {
  // The project on PostgreSQL (vitest.config.ts) makes no PGlite.
  if (project?.name === "postgresql") return
  if (!existsSync(IMAGE)) {
    const { PGlite } = await import("@electric-sql/pglite")
    const db = await PGlite.create()
    await save(IMAGE, await db.dumpDataDir("none"))
    await db.close()
  }
  process.env.PGLITE_IMAGE = IMAGE
  const done = await migrated()
  if (done !== undefined) process.env.PGLITE_MIGRATED_IMAGE = done
  return () => {
    if (done !== undefined) rmSync(done, { force: true })
  }
}
