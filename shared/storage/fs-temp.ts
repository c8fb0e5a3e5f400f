import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { errno, fsError } from "./fs-errors.ts";

/** Suffix of in-flight temp files; `list` skips them and keys may not end with it. */
export const TEMP_SUFFIX = ".lakestream-tmp";

/**
 * Folder at the lake's root holding every in-flight temp file, named `<pid>-<uuid>`: a writer
 * killed midway leaves its temp files there, never beside the data (or inside published
 * tables), and the next writer removes those of processes that are gone. It is on the same
 * file system as the lake, so publishing stays an atomic rename or link.
 */
export const TEMP_DIR = ".lakestream-tmp";

/** Writes `body` to a new temp file (fsynced when `durable`) and returns its path. */
export async function writeTemp(
  root: string,
  key: string,
  body: Uint8Array,
  durable: boolean,
): Promise<string> {
  const dir = join(root, TEMP_DIR);
  const temp = join(dir, `${process.pid}-${randomUUID()}${TEMP_SUFFIX}`);
  // Another put may remove the empty temp folder between mkdir and open: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, "wx");
      try {
        await handle.writeFile(body);
        if (durable) await handle.sync();
      } finally {
        await handle.close();
      }
      return temp;
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if (errno(error) === "ENOENT" && attempt < 5) continue;
      throw fsError(key, "put", error);
    }
  }
}

/** Removes temp files of writers that are gone (killed midway); a live writer's stay. */
export async function sweepTemps(root: string): Promise<void> {
  const dir = join(root, TEMP_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number.parseInt(name, 10);
    if (!Number.isInteger(pid) || isAlive(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return errno(error) === "EPERM";
  }
}
