import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaContext } from "../helpers/lake.ts";
import { sampleEvent, sampleRawRecords } from "../helpers/sample-events.ts";

/**
 * The handlers' Powertools Tracer, with the real X-Ray SDK sending to a UDP socket on
 * 127.0.0.1 that stands in for the X-Ray daemon Lambda runs (AWS itself cannot be reached). The
 * Lambda environment is imitated by the variables Lambda sets: execution env, handler and the
 * trace header of a sampled request.
 */
let daemon: Socket;
const received: string[] = [];
const saved = { ...process.env };
let lake: string;

beforeAll(async () => {
  daemon = createSocket("udp4");
  daemon.on("message", (m) => received.push(m.toString()));
  await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
  Object.assign(process.env, {
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
    LAMBDA_TASK_ROOT: "/var/task",
    _HANDLER: "index.handler",
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
    _X_AMZN_TRACE_ID: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    POWERTOOLS_TRACE_ENABLED: "true",
  });
  lake = mkdtempSync(join(tmpdir(), "lakestream-tracing-"));
});
afterAll(() => {
  daemon.close();
  process.env = saved;
  rmSync(lake, { recursive: true, force: true });
});

const context = lambdaContext();

/** Subsegments the daemon received, parsed (each UDP message is a header line and a document). */
async function subsegments(count: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 5_000;
  while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return received.map((m) => JSON.parse(m.split("\n")[1]!) as Record<string, unknown>);
}

describe("Powertools Tracer in the handlers (fake: a local UDP socket as the X-Ray daemon)", () => {
  it("sends one subsegment per invocation of a stage and of the ingest, annotated with pipeline and stage", async () => {
    // Imported after the environment is set: the SDK reads the daemon address when it loads.
    const { createStageHandler } = await import("../../shared/runtime/stages/stage-handler.ts");
    const { createIngestHandler } = await import("../../shared/runtime/ingest-handler.ts");
    const { openStore } = await import("../../shared/storage/open-store.ts");
    const { clickstream } = await import("../../shared/pipelines/clickstream.ts");

    const stage = createStageHandler("plan", clickstream, async () => ({ partitions: 0 }));
    expect(await stage({}, context)).toEqual({ partitions: 0 });
    const ingest = createIngestHandler({ pipeline: clickstream, store: openStore({ lake }) });
    expect(await ingest(sampleEvent(sampleRawRecords(0, 3)), context)).toEqual({ batchItemFailures: [] });

    const docs = await subsegments(2);
    expect(docs).toHaveLength(2);
    for (const doc of docs) {
      expect(doc).toMatchObject({
        type: "subsegment",
        name: "## index.handler",
        trace_id: "1-5759e988-bd862e3fe1be46a994272793",
        parent_id: "53995c3f42cd8ad8",
      });
      // Responses stay out of traces: stage outputs and failed offsets are not trace data.
      expect(JSON.stringify(doc)).not.toContain("partitions");
    }
    expect(docs[0]!.annotations).toMatchObject({ pipeline: "clickstream", stage: "plan" });
    expect(docs[1]!.annotations).toMatchObject({ pipeline: "clickstream" });
  });
});
