import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { compileBatchPlanner } from "../shared/core/batch.ts";
import { decodeKafkaEvent } from "../shared/core/kafka-decode.ts";
import { clickstream } from "../shared/pipelines/clickstream.ts";
import { sampleBatches } from "./sample-batches.ts";

const run = promisify(execFile);

/**
 * Peak memory of planning one batch at Lambda's 6 MB payload cap, measured in a fresh
 * process (this file run alone) so the benchmark's own data does not hide it. Measured again
 * with V8's young generation capped at 4 MB: most of the growth is that generation widening
 * under the allocation rate (V8 grows it up to 16 MB per semi-space), not data the batch keeps.
 */
export async function batchMemory(): Promise<{
  payloadBytes: number;
  peakRssBytes: number;
  rssGrowthBytes: number;
  rssGrowthSmallYoungBytes: number;
}> {
  const measure = async (flags: string[]) =>
    JSON.parse((await run(process.execPath, ["--expose-gc", ...flags, import.meta.filename])).stdout);
  const standard = await measure([]);
  const small = await measure(["--max-semi-space-size=4"]);
  return { ...standard, rssGrowthSmallYoungBytes: small.rssGrowthBytes };
}

if (process.argv[1] === import.meta.filename) {
  const event = sampleBatches(1, 11_000).events[0]!;
  const plan = compileBatchPlanner(clickstream, { keepRows: false });
  plan(decodeKafkaEvent(sampleBatches(1, 10).events[0]!));
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const decoded = decodeKafkaEvent(event);
  sample();
  const planned = plan(decoded);
  sample();
  process.stdout.write(
    JSON.stringify({
      payloadBytes: Buffer.byteLength(JSON.stringify(event)),
      peakRssBytes: peak,
      rssGrowthBytes: peak - before,
      files: planned.dataFiles.length,
    }),
  );
}
