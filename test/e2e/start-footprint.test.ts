import { execFile } from "node:child_process";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/lake.ts";

const BIN = join(import.meta.dirname, "../../bin/lakestream.js");

describe("lakestream start's footprint (issue 11, item 9)", () => {
  it("writes nothing outside its lake: not in the home folder, the temp folder or the working folder", async () => {
    const dir = await tempDir("footprint");
    const [home, tmp, cwd] = ["home", "tmp", "cwd"].map((d) => join(dir, d)) as [string, string, string];
    for (const d of [home, tmp, cwd]) await mkdir(d);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [BIN, "start", "--lake", "lake", "--records", "300", "--hours", "1", "--no-report", "--no-progress"],
      { cwd, env: { ...process.env, HOME: home, TMPDIR: tmp, CI: "1" } },
    );
    expect(JSON.parse(stdout.trim())).toMatchObject({ status: "SUCCEEDED", records: 300 });
    expect(await readdir(home)).toEqual([]);
    expect(await readdir(tmp)).toEqual([]);
    expect(await readdir(cwd)).toEqual(["lake"]);
  });
});
