import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { encodePending, type PendingFile, type PlannedFile } from "../core/batch.ts";
import type { FileEncoderSpec } from "../core/encode/file-encoder.ts";
import { ConfigError, LakestreamError } from "../core/errors.ts";
import type { EncodeReply, EncodeRequest } from "./encode-messages.ts";

/**
 * An encode worker thread died (crashed, ran out of memory, was terminated) while it held a
 * file. Nothing of the batch was written yet: the ingest answers with a retry of the whole batch.
 */
export class EncodeWorkerError extends LakestreamError {
  override readonly name: string = "EncodeWorkerError";
  /** Key of the file the worker was encoding. */
  readonly file: string;
  readonly threadId: number;
  readonly exitCode: number | undefined;
  constructor(file: string, threadId: number, exitCode: number | undefined, options?: ErrorOptions) {
    super(`encode worker ${threadId} died (exit code ${exitCode ?? "none"}) encoding ${file}`, options);
    this.file = file;
    this.threadId = threadId;
    this.exitCode = exitCode;
  }
}

export interface EncodePoolOptions {
  /** Worker threads beside the main thread; default {@link defaultEncodeWorkers}. 0: all inline. */
  readonly workers?: number;
  /** The worker script; default `encode-worker` beside this module (`.ts` in source, `.mjs` in a bundle). */
  readonly workerUrl?: URL;
}

/** Encodes a batch's data files, on worker threads when the machine has more than one vCPU. */
export interface EncodePool {
  /** Worker threads it uses (0 when everything is encoded inline). */
  readonly workers: number;
  /** The files encoded, in the order given; bytes are the same whichever thread encoded them. */
  encode(spec: FileEncoderSpec, files: readonly PendingFile[]): Promise<PlannedFile[]>;
  /** Ends the workers (tests, the bench); an idle pool never keeps a process alive anyway. */
  close(): Promise<void>;
}

/**
 * A pool of encode workers, one less than the vCPUs at hand, so that a Lambda function with
 * CPU time for two threads or more encodes a batch's files side by side: the main thread encodes
 * too, taking the next file whenever it is free. Workers start on the first batch with two
 * files or more (no init cost), are unref'd while idle, and are never started with one vCPU.
 */
export function createEncodePool(options: EncodePoolOptions = {}): EncodePool {
  const url = options.workerUrl ?? defaultWorkerUrl();
  let size = Math.max(0, options.workers ?? defaultEncodeWorkers());
  if (size > 0 && url.protocol === "file:" && !existsSync(fileURLToPath(url))) {
    // A bundle shipped without its worker still ingests, one thread, and says why.
    process.emitWarning(`encode worker ${url.href} not found: encoding on the main thread only`);
    size = 0;
  }
  const threads: EncodeThread[] = [];
  return {
    get workers() {
      return size;
    },
    async encode(spec, files) {
      if (size === 0 || files.length < 2) return files.map((f) => encodePending(spec, f));
      while (threads.length < Math.min(size, files.length - 1)) threads.push(new EncodeThread(url, threads));
      const out: PlannedFile[] = new Array(files.length);
      // Largest first, so the last file to finish is a small one and the threads end together.
      const order = files.map((_, i) => i).sort((a, b) => files[b]!.rows - files[a]!.rows);
      let next = 0;
      let failed = false;
      const lane = async (thread: EncodeThread) => {
        while (next < files.length && !failed) {
          const i = order[next++]!;
          const { content, ...file } = files[i]!;
          out[i] = { ...file, body: await thread.run({ spec, content }, file.key) };
        }
      };
      const main = async () => {
        while (next < files.length && !failed) {
          const i = order[next++]!;
          out[i] = encodePending(spec, files[i]!);
          // Let finished workers reply and take the next file before this thread takes one more.
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      const lanes = [...threads.map(lane), main()].map((p) =>
        p.catch((e: unknown) => {
          failed = true;
          throw e;
        }),
      );
      const settled = await Promise.allSettled(lanes);
      const rejected = settled.find((s) => s.status === "rejected");
      if (rejected) throw rejected.reason;
      return out;
    },
    async close() {
      await Promise.all(threads.splice(0).map((t) => t.worker.terminate()));
    },
  };
}

/** CPU time Lambda grants per MB of memory: one vCPU at 1,769 MB, six at 10,240. */
const LAMBDA_MB_PER_VCPU = 1769;

/**
 * Worker threads worth starting: one less than the vCPUs the process may use. Lambda shows two
 * cores at every size up to 3,008 MB but grants CPU time in proportion to memory, so in Lambda
 * (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE` set) the vCPUs are those that memory pays for, rounded:
 * a second thread only where it gets at least half a vCPU of its own (2,654 MB and up), since
 * handing a file to a worker costs a few percent more CPU (copying its columns).
 * `LAKESTREAM_ENCODE_WORKERS` overrides it (0 turns the pool off).
 */
export function defaultEncodeWorkers(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cores: number = availableParallelism(),
): number {
  const set = env.LAKESTREAM_ENCODE_WORKERS;
  if (set !== undefined && set !== "") {
    if (!/^\d+$/.test(set)) throw new ConfigError("LAKESTREAM_ENCODE_WORKERS", `not a whole number: ${set}`);
    return Number(set);
  }
  const memory = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  const vcpus = memory > 0 ? Math.min(cores, Math.round(memory / LAMBDA_MB_PER_VCPU)) : cores;
  return Math.max(0, vcpus - 1);
}

let shared: EncodePool | undefined;

/** The process's pool, made on first use: what the ingest uses unless given another. */
export function sharedEncodePool(): EncodePool {
  shared ??= createEncodePool();
  return shared;
}

function defaultWorkerUrl(): URL {
  // Run from source this module is a .ts file; bundled, import.meta.url is the handler bundle's.
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "mjs";
  return new URL(`./encode-worker.${ext}`, import.meta.url);
}

interface Job {
  readonly file: string;
  readonly resolve: (body: Uint8Array) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * One worker and the files sent to it, answered in turn (batches of concurrent invocations may
 * share it); it leaves `threads` when it dies, failing every file it held.
 */
class EncodeThread {
  readonly worker: Worker;
  readonly #threadId: number;
  readonly #jobs = new Map<number, Job>();
  #ids = 0;
  #cause: unknown;
  #exitCode: number | undefined;
  #dead = false;

  constructor(url: URL, threads: EncodeThread[]) {
    this.worker = new Worker(url);
    this.#threadId = this.worker.threadId;
    this.worker.unref();
    this.worker.on("message", (reply: EncodeReply) => {
      const job = this.#settle(reply.id);
      if (!job) return;
      if ("body" in reply) job.resolve(reply.body);
      else job.reject(Object.assign(new Error(reply.error.message), reply.error));
    });
    this.worker.on("error", (e) => {
      this.#cause = e;
    });
    this.worker.on("messageerror", (e) => {
      this.#cause = e;
      void this.worker.terminate();
    });
    this.worker.on("exit", (code) => {
      this.#dead = true;
      this.#exitCode = code;
      const index = threads.indexOf(this);
      if (index >= 0) threads.splice(index, 1);
      for (const id of [...this.#jobs.keys()]) this.#fail(id);
    });
  }

  run(request: Omit<EncodeRequest, "id">, file: string): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const id = ++this.#ids;
      this.#jobs.set(id, { file, resolve, reject });
      if (this.#dead) return this.#fail(id);
      // Busy, it keeps the process alive until its files come back; idle, it never does.
      this.worker.ref();
      try {
        this.worker.postMessage({ ...request, id } satisfies EncodeRequest);
      } catch (e) {
        // A value structured clone cannot copy: nothing reached the worker, which stays usable.
        this.#settle(id);
        reject(e);
      }
    });
  }

  #settle(id: number): Job | undefined {
    const job = this.#jobs.get(id);
    this.#jobs.delete(id);
    if (this.#jobs.size === 0) this.worker.unref();
    return job;
  }

  #fail(id: number): void {
    const job = this.#settle(id);
    job?.reject(new EncodeWorkerError(job.file, this.#threadId, this.#exitCode, { cause: this.#cause }));
  }
}
