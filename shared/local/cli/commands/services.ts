import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { UsageError } from "../errors.ts";
import { type OptionSpecs, parseOptions } from "../options.ts";

export const summary = "install (first time), start, stop or check the local Kafka broker and S3 server";

export const usage = "usage: lakestream services up|down|status";

export const options = {} as const satisfies OptionSpecs;

const SERVICES = ["s3proxy", "kafka"] as const;
const ACTIONS = { up: ["install", "start"], down: ["stop"], status: ["status"] } as const;

/**
 * `lakestream services up|down|status`: the same scripts `npm test` and CI use
 * (test/services/<name>.sh), so a developer runs against exactly what the tests do. Each
 * script installs into the git-ignored .services/ once and stops only the process it started.
 */
export async function run(argv: string[]): Promise<number> {
  const { positionals } = parseOptions(argv, options, true);
  const [action, ...extra] = positionals;
  if (!action || !(action in ACTIONS) || extra.length > 0) {
    throw new UsageError(usage);
  }
  const steps = ACTIONS[action as keyof typeof ACTIONS];
  let failed = 0;
  for (const name of SERVICES) {
    const script = fileURLToPath(new URL(`../../../../test/services/${name}.sh`, import.meta.url));
    if (!existsSync(script)) continue;
    for (const step of steps) {
      const result = spawnSync("bash", [script, step], { stdio: ["ignore", "inherit", "inherit"] });
      if (result.status !== 0) {
        failed++;
        break;
      }
    }
  }
  if (action === "up" && failed === 0) {
    process.stderr.write(
      "services up: Kafka on 127.0.0.1:9092 (LAKESTREAM_KAFKA_BROKERS), S3 on http://127.0.0.1:9000 (LAKESTREAM_S3_ENDPOINT)\n",
    );
  }
  return failed === 0 ? 0 : 1;
}
