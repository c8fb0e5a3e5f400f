import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { reportError } from "./errors.ts";
import { type OptionSpecs, renderHelp } from "./options.ts";

/**
 * The `lakestream` command. Each subcommand lives in `commands/<name>.ts` and exports
 * `run(argv): Promise<number>`, a one-line `summary`, a `usage` line and its `options` table
 * (parsing and `--help` both read it); they load on demand so `lakestream invoke` does not pay
 * for the Kafka client or the state machine runner. No command module loads a pipeline when
 * imported, so a broken definition breaks only the commands that run it, never `--help`.
 */
const COMMANDS = [
  "start",
  "invoke",
  "events",
  "produce",
  "run",
  "backfill",
  "schema",
  "schema-lock",
  "services",
] as const;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") return usage(0);
  const file = fileURLToPath(new URL(`./commands/${name}.ts`, import.meta.url));
  if (!(COMMANDS as readonly string[]).includes(name) || !existsSync(file)) {
    process.stderr.write(`lakestream: unknown command "${name}"\n`);
    return usage(2);
  }
  const command = (await import(file)) as {
    run: (argv: string[]) => Promise<number>;
    summary?: string;
    usage?: string;
    options?: OptionSpecs;
  };
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(renderHelp(name, command));
    return 0;
  }
  return command.run(rest);
}

async function usage(code: number): Promise<number> {
  const lines = ["usage: lakestream <command> [options]", "", "commands:"];
  for (const name of COMMANDS) {
    const file = fileURLToPath(new URL(`./commands/${name}.ts`, import.meta.url));
    if (!existsSync(file)) continue;
    const { summary } = (await import(file)) as { summary?: string };
    lines.push(`  ${name.padEnd(12)} ${summary ?? ""}`);
  }
  (code === 0 ? process.stdout : process.stderr).write(`${lines.join("\n")}\n`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = reportError(e);
  },
);
