import { execFile } from "node:child_process";
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";

const run = promisify(execFile);

/**
 * Bundles the ingest handler the way the CDK stack does (esbuild, ESM, minified, AWS SDK
 * included) and measures its size and its init time: a fresh Node process importing it.
 */
export async function handlerBundle(dir: string): Promise<{ bundleBytes: number; initMs: number }> {
  const outfile = join(dir, "ingest.mjs");
  await build({
    entryPoints: [join(import.meta.dirname, "../functions/ingest/handler.ts")],
    bundle: true,
    platform: "node",
    target: "node24",
    format: "esm",
    minify: true,
    outfile,
    banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
    logLevel: "silent",
  });
  const probe = join(dir, "probe.mjs");
  await writeFile(
    probe,
    `const t=performance.now();await import(${JSON.stringify(outfile)});process.stdout.write(String(performance.now()-t));`,
  );
  const inits: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { stdout } = await run(process.execPath, [probe], {
      env: {
        ...process.env,
        PIPELINE: "clickstream",
        LAKE_DIR: join(dir, "lake"),
        POWERTOOLS_LOG_LEVEL: "SILENT",
      },
    });
    inits.push(Number(stdout));
  }
  inits.sort((a, b) => a - b);
  return { bundleBytes: (await stat(outfile)).size, initMs: inits[2]! };
}
