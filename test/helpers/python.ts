import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Folder of the interop scripts and of `lakestream_interop.py`, their shared plumbing. */
export const INTEROP_PYTHON_DIR = join(ROOT, "test/interop/python");

/**
 * The venv interpreter with pyiceberg, PySpark and DuckDB (test/services/python.sh installs it;
 * with-services.sh exports LAKESTREAM_INTEROP_PYTHON).
 */
export function interopPython(): string {
  return process.env.LAKESTREAM_INTEROP_PYTHON ?? join(ROOT, ".services/python/venv/bin/python");
}

/** What to run: a file (absolute, or relative to test/interop/python/) or inline code. */
export type PythonScript = { file: string } | { code: string };

export interface PythonRunOptions {
  /** Extra environment for the script, on top of the test process's own. */
  env?: Record<string, string>;
  /** Any JSON value; the script reads it with `lakestream_interop.read_input()`. */
  input?: unknown;
  args?: string[];
  /** Killed after this long (default 5 minutes): a hung engine fails the test, not the run. */
  timeoutMs?: number;
  cwd?: string;
}

/** A Python script failed or printed no JSON: the message carries its exit status and stderr. */
export class PythonScriptError extends Error {
  override readonly name = "PythonScriptError";
  readonly script: string;
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly stdout: string;
  constructor(
    message: string,
    run: { script: string; exitCode: number | null; stderr: string; stdout: string },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.script = run.script;
    this.exitCode = run.exitCode;
    this.stderr = run.stderr;
    this.stdout = run.stdout;
  }
}

/** Engines can log a lot to stderr; its tail is what explains a failure. */
const KEEP_STDERR = 256 * 1024;
const tail = (text: string, lines: number) => text.trimEnd().split("\n").slice(-lines).join("\n");

/**
 * Runs a script in the interop venv and returns the JSON document it printed last (see
 * `emit()` in lakestream_interop.py: integers beyond 2^53 arrive as strings). Engines log to
 * stderr; on failure the error shows its tail, so a test failure says what the engine said.
 */
export async function runPython<T>(script: PythonScript, options: PythonRunOptions = {}): Promise<T> {
  const python = interopPython();
  if (!existsSync(python)) {
    throw new PythonScriptError(
      `No interop Python at ${python}. Run \`bash test/services/python.sh install\` (npm test does).`,
      { script: describe(script), exitCode: null, stderr: "", stdout: "" },
    );
  }
  const argv =
    "file" in script
      ? [resolve(INTEROP_PYTHON_DIR, script.file), ...(options.args ?? [])]
      : ["-c", script.code, ...(options.args ?? [])];
  const env: Record<string, string | undefined> = {
    ...process.env,
    PYTHONPATH: [INTEROP_PYTHON_DIR, process.env.PYTHONPATH].filter(Boolean).join(":"),
    PYTHONUNBUFFERED: "1",
    ...options.env,
  };
  if (options.input !== undefined) env.LAKESTREAM_INTEROP_INPUT = JSON.stringify(options.input);
  const { code, signal, stdout, stderr } = await spawnCollect(python, argv, env, options);
  const what = describe(script);
  if (code !== 0) {
    const why = signal ? `was killed (${signal})` : `exited with ${code}`;
    throw new PythonScriptError(`${what} ${why}; stderr:\n${tail(stderr, 40)}`, {
      script: what,
      exitCode: code,
      stderr,
      stdout,
    });
  }
  const last = stdout.trimEnd().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(last) as T;
  } catch (cause) {
    throw new PythonScriptError(
      `${what} printed no JSON on its last stdout line: ${JSON.stringify(last.slice(0, 200))}; stderr:\n${tail(stderr, 20)}`,
      { script: what, exitCode: code, stderr, stdout },
      { cause },
    );
  }
}

function describe(script: PythonScript): string {
  return "file" in script ? `python ${script.file}` : "inline python";
}

interface Collected {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function spawnCollect(
  command: string,
  argv: string[],
  env: Record<string, string | undefined>,
  options: PythonRunOptions,
): Promise<Collected> {
  return new Promise((done, fail) => {
    const child = spawn(command, argv, { env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-KEEP_STDERR);
    });
    // PySpark's JVM exits when its Python parent's pipe closes, so ending the child ends the engine.
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
    }, options.timeoutMs ?? 300_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}
