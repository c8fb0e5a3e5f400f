import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const BIN = join(import.meta.dirname, "../../../bin/lakestream.js");

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `lakestream` command as a user would (optionally with Node flags); never throws on a non-zero exit. */
export async function lakestream(
  args: string[],
  cwd: string,
  options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
      cwd,
      env: { ...process.env, ...options.env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** True when the text holds a JavaScript stack trace. */
export function hasStack(text: string): boolean {
  return /\n\s+at .+\(?.+:\d+:\d+\)?/.test(text);
}
