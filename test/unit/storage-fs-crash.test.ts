import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";

/** Regression test of issue 11, item 9: a writer killed with SIGKILL left temp files all over the lake. */

const STORE = new URL("../../shared/storage/fs-store.ts", import.meta.url).href;

/** A child process that writes big objects under published/ until it is killed; resolves once it is writing. */
async function killedWriter(root: string): Promise<number> {
  const script = `
    const { FsObjectStore } = await import(${JSON.stringify(STORE)});
    const store = new FsObjectStore(${JSON.stringify(root)});
    const body = new Uint8Array(4 * 1024 * 1024).fill(7);
    console.log("writing");
    for (let i = 0; ; i++) {
      await Promise.all([0, 1, 2, 3].map((j) => store.put("published/t/dt=2026-11-23/part-" + i + "-" + j + ".parquet", body)));
    }`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) if (line === "writing") break;
  // Let it get well into its writes, then kill it the way an OOM killer or `kill -9` would.
  await new Promise((resolve) => setTimeout(resolve, 400));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
  return child.pid!;
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

describe("a lake on disk after its writer was killed with SIGKILL (issue 11, item 9)", () => {
  it("holds temp files only in its own temp folder, never beside the data, and the next writer removes them", async () => {
    const root = await mkdtemp(join(tmpdir(), "lakestream-killed-"));
    const pid = await killedWriter(root);
    const after = await filesUnder(root);
    expect(after.some((f) => f.startsWith("published/"))).toBe(true);
    const temps = after.filter((f) => f.endsWith(".lakestream-tmp"));
    for (const f of temps) expect(f).toMatch(/^\.lakestream-tmp\//);
    // Whether the kill caught a write midway is timing; leave one as that process would.
    await mkdir(join(root, ".lakestream-tmp"), { recursive: true });
    await writeFile(join(root, ".lakestream-tmp", `${pid}-left-behind.lakestream-tmp`), "half a file");

    const next = new FsObjectStore(root);
    expect((await next.list("")).map((o) => o.key).filter((k) => k.includes("lakestream-tmp"))).toEqual([]);
    await next.put("t/a", new Uint8Array([1]));
    expect((await filesUnder(root)).filter((f) => f.endsWith(".lakestream-tmp"))).toEqual([]);
  });

  it("refuses keys inside its temp folder", async () => {
    const store = new FsObjectStore(await mkdtemp(join(tmpdir(), "lakestream-tmpkey-")));
    await expect(store.put(".lakestream-tmp/x", new Uint8Array(1))).rejects.toMatchObject({
      name: "StorageError",
      transient: false,
    });
  });
});
