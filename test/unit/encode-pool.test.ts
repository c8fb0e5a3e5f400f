import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { compileBatchLayout, compileBatchPlanner, type PlannedFile } from "../../shared/core/batch.ts";
import { fileEncoderSpec } from "../../shared/core/encode/file-encoder.ts";
import { decodeKafkaEvent } from "../../shared/core/kafka-decode.ts";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import {
  createEncodePool,
  defaultEncodeWorkers,
  type EncodePool,
  EncodeWorkerError,
} from "../../shared/runtime/encode-pool.ts";
import { sampleEvent, sampleRawRecords } from "../helpers/sample-events.ts";

const run = promisify(execFile);
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const pools: EncodePool[] = [];
const pool = (options: Parameters<typeof createEncodePool>[0]) => {
  const p = createEncodePool(options);
  pools.push(p);
  return p;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

/** Two partitions, one record a minute over many hours, a bad one now and then: a dozen files or more. */
function batches() {
  const records = [0, 1].flatMap((partition) =>
    sampleRawRecords(0, 1500, { spacingMs: 60_000, badEvery: 37, partition }),
  );
  return decodeKafkaEvent(sampleEvent(records));
}

const sha = (f: PlannedFile) => `${f.key} ${createHash("sha256").update(f.body).digest("hex")}`;
const jsonl = { ...clickstream, sink: { ...clickstream.sink, format: "jsonl-gzip" } } as Pipeline;

describe("encoding a batch's files on worker threads (issue 12, item 3)", () => {
  it.each([
    ["Parquet", clickstream],
    ["gzip JSON Lines", jsonl],
  ])(
    "%s: the pooled files are byte-identical to the inline planner's, in the same order",
    async (_, pipeline) => {
      const inline = compileBatchPlanner(pipeline)(batches());
      expect(inline.dataFiles.length).toBeGreaterThan(10);
      const { pendingFiles } = compileBatchLayout(pipeline)(batches());
      for (const workers of [1, 3]) {
        const pooled = await pool({ workers }).encode(fileEncoderSpec(pipeline), pendingFiles);
        expect(pooled.map(sha)).toEqual(inline.dataFiles.map(sha));
        expect(pooled.map(({ body: _, ...f }) => f)).toEqual(inline.dataFiles.map(({ body: _, ...f }) => f));
      }
    },
  );

  it("batches encoded at the same time on one pool (concurrent invocations) each get their own files back", async () => {
    const p = pool({ workers: 1 });
    const spec = fileEncoderSpec(clickstream);
    const layout = compileBatchLayout(clickstream);
    const planner = compileBatchPlanner(clickstream);
    const inputs = [0, 1, 2].map((k) =>
      decodeKafkaEvent(sampleEvent(sampleRawRecords(k * 1000, 700, { spacingMs: 40_000, partition: k }))),
    );
    const pooled = await Promise.all(inputs.map((b) => p.encode(spec, layout(b).pendingFiles)));
    expect(pooled.map((files) => files.map(sha))).toEqual(inputs.map((b) => planner(b).dataFiles.map(sha)));
  });

  it("a worker that exits mid-file rejects the batch with EncodeWorkerError, and the next batch gets a new worker", async () => {
    const p = pool({ workers: 1, workerUrl: fixture("exiting-encode-worker.mjs") });
    const { pendingFiles } = compileBatchLayout(clickstream)(batches());
    const spec = fileEncoderSpec(clickstream);
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await p.encode(spec, pendingFiles).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EncodeWorkerError);
      expect((error as EncodeWorkerError).exitCode).toBe(7);
      expect(pendingFiles.map((f) => f.key)).toContain((error as EncodeWorkerError).file);
    }
  });

  it("a worker's uncaught exception is the EncodeWorkerError's cause", async () => {
    const p = pool({ workers: 1, workerUrl: fixture("throwing-encode-worker.mjs") });
    const { pendingFiles } = compileBatchLayout(clickstream)(batches());
    const error = await p.encode(fileEncoderSpec(clickstream), pendingFiles).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncodeWorkerError);
    expect(((error as EncodeWorkerError).cause as Error).message).toBe("worker blew up");
  });

  it("with one vCPU (no workers), one file, or no worker script, it encodes inline and starts no thread", async () => {
    const { pendingFiles } = compileBatchLayout(clickstream)(batches());
    const spec = fileEncoderSpec(clickstream);
    const inline = compileBatchPlanner(clickstream)(batches()).dataFiles.map(sha);
    // A worker script that would kill every file proves no thread took one.
    const exiting = fixture("exiting-encode-worker.mjs");
    expect((await pool({ workers: 0, workerUrl: exiting }).encode(spec, pendingFiles)).map(sha)).toEqual(
      inline,
    );
    expect(
      (await pool({ workers: 1, workerUrl: exiting }).encode(spec, pendingFiles.slice(0, 1))).map(sha),
    ).toEqual(inline.slice(0, 1));
    const missing = pool({ workers: 1, workerUrl: fixture("no-such-worker.mjs") });
    expect(missing.workers).toBe(0);
    expect((await missing.encode(spec, pendingFiles)).map(sha)).toEqual(inline);
  });

  it.each([
    [undefined, 2, 1],
    [undefined, 1, 0],
    ["1024", 2, 0],
    ["1769", 2, 0],
    ["2048", 2, 0],
    ["3008", 2, 1],
    ["3538", 3, 1],
    ["10240", 6, 5],
    ["10240", 2, 1],
  ])("memory %s MB (Lambda) on %i visible cores starts %i workers", (memory, cores, workers) => {
    expect(defaultEncodeWorkers({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory }, cores)).toBe(workers);
  });

  it("LAKESTREAM_ENCODE_WORKERS overrides the sizing (0 turns the pool off); anything but a whole number names the variable", () => {
    expect(defaultEncodeWorkers({ LAKESTREAM_ENCODE_WORKERS: "0" }, 8)).toBe(0);
    expect(
      defaultEncodeWorkers({ LAKESTREAM_ENCODE_WORKERS: "3", AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024" }, 2),
    ).toBe(3);
    expect(() => defaultEncodeWorkers({ LAKESTREAM_ENCODE_WORKERS: "two" }, 2)).toThrow(
      "LAKESTREAM_ENCODE_WORKERS: not a whole number: two",
    );
  });

  it("an idle pool never keeps a process alive: a script that never closes it exits by itself", async () => {
    const { stdout } = await run(process.execPath, [join(import.meta.dirname, "fixtures/idle-pool.ts")], {
      timeout: 60_000,
    });
    expect(Number(stdout.trim())).toBeGreaterThan(1);
  });
});
