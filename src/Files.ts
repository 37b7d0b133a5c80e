import { mkdir, open, rename, rm } from "node:fs/promises"
import { basename, dirname, join } from "node:path"

/**
 * Writes a file so that a reader sees the old content or the new, never a part:
 * a temporary file beside it, fsync, rename, fsync of the directory.
 */
export const writeFileAtomic = async (path: string, data: string, mode = 0o600): Promise<void> => {
  const directory = dirname(path)
  await mkdir(directory, { recursive: true })
  const temporary = join(directory, `.${basename(path)}.${process.pid}.tmp`)
  try {
    const file = await open(temporary, "w", mode)
    try {
      await file.writeFile(data)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temporary, path)
  } catch (e) {
    await rm(temporary, { force: true })
    throw e
  }
  const dir = await open(directory, "r")
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}
