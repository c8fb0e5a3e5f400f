import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { OptionSpecs } from "../../shared/local/cli/options.ts";
import { tempDir } from "../helpers/lake.ts";
import { hasStack, lakestream } from "./helpers/cli.ts";

const COMMANDS = ["start", "invoke", "events", "produce", "run", "backfill", "services"];

async function optionsOf(command: string): Promise<OptionSpecs> {
  const mod = (await import(`../../shared/local/cli/commands/${command}.ts`)) as { options: OptionSpecs };
  return mod.options;
}

describe("every command's --help (issue 11, item 15)", () => {
  it.each(COMMANDS)(
    "lakestream %s --help lists each flag of its option table, with its default",
    async (command) => {
      const dir = await tempDir("help");
      const result = await lakestream([command, "--help"], dir);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^usage: lakestream ${command}`, "m"));
      const options = await optionsOf(command);
      for (const [name, spec] of Object.entries(options)) {
        const line = result.stdout.split("\n").find((l) => l.trimStart().startsWith(`--${name}`));
        expect(line, `--${name}`).toBeDefined();
        expect(line).toContain(spec.help.slice(0, 30));
        if (spec.fallback !== undefined) expect(line).toContain(`(default: ${spec.fallback})`);
      }
      expect(result.stdout).toMatch(/--help\s+show this help/);
    },
  );

  it("shows run's defaults a user needs to know", async () => {
    const result = await lakestream(["run", "--help"], await tempDir("help-run"));
    expect(result.stdout).toMatch(/--batch-size N\s+.*\(default: 1000\)/);
    expect(result.stdout).toMatch(/--starting-position POS\s+.*\(default: TRIM_HORIZON\)/);
    expect(result.stdout).toMatch(/--lake DIR\s+.*\(default: \.\/lake\)/);
  });
});

describe("a broken pipeline definition (issue 11, item 5)", () => {
  /** Node loader hook that makes the example pipeline's module define an invalid pipeline. */
  async function breakRegistry(dir: string): Promise<string[]> {
    const hooks = join(dir, "hooks.mjs");
    await writeFile(
      hooks,
      `export async function load(url, context, next) {
         if (url.endsWith("/shared/pipelines/clickstream.ts")) {
           const define = new URL("../core/pipeline/define-pipeline.ts", url).href;
           return { format: "module", shortCircuit: true, source:
             "import { definePipeline } from " + JSON.stringify(define) + ";" +
             "export const clickstream = definePipeline({ name: 'Broken Name' });" };
         }
         return next(url, context);
       }`,
    );
    const register = join(dir, "register.mjs");
    await writeFile(
      register,
      `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(hooks).href)});`,
    );
    return ["--import", pathToFileURL(register).href];
  }

  it("breaks only the commands that load it, with one line naming the field", async () => {
    const dir = await tempDir("broken");
    const nodeArgs = await breakRegistry(dir);
    const help = await lakestream(["--help"], dir, { nodeArgs });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}run /m);
    expect((await lakestream(["run", "--help"], dir, { nodeArgs })).code).toBe(0);
    const events = await lakestream(["events", "--count", "3", "--out", "ev.json"], dir, { nodeArgs });
    expect(events.code).toBe(0);
    const invoke = await lakestream(["invoke", "ingest", "--event", "ev.json", "--lake", "lake"], dir, {
      nodeArgs,
    });
    expect(invoke.code).not.toBe(0);
    expect(invoke.stderr).toMatch(/ConfigError: pipeline\(Broken Name\)/);
    expect(hasStack(invoke.stderr)).toBe(false);
  });
});
