import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { KafkaConnection } from "../../shared/runtime/kafka-connection.ts";
import { KafkaWriteBack, WriteBackError } from "../../shared/runtime/kafka-write-back.ts";
import { assertKafkaReady, kafkaBrokers } from "../helpers/services.ts";
import { eventSource, freshTopic, recordingHandler, text, waitFor } from "./kafka-test-kit.ts";

beforeAll(assertKafkaReady);

// The listeners test/services/kafka.sh opens next to PLAINTEXT (port + 2 and port + 3).
const PLAINTEXT_PORT = Number(kafkaBrokers()[0]?.split(":")[1] ?? 9092);
const SASL = `127.0.0.1:${PLAINTEXT_PORT + 2}`;
const TLS = `127.0.0.1:${PLAINTEXT_PORT + 3}`;
/** Debian calls it kcat; older releases kafkacat. */
const kcat = () => {
  try {
    execFileSync("kcat", ["-V"], { stdio: "ignore" });
    return "kcat";
  } catch {
    return "kafkacat";
  }
};
const ca = () => readFileSync(new URL("../../.services/kafka/tls/ca.pem", import.meta.url), "utf8");

async function roundTrip(connection: KafkaConnection): Promise<string[]> {
  const topic = await freshTopic("conn", 1);
  const sink = new KafkaWriteBack({ connection, topic });
  await sink.send([
    { key: new TextEncoder().encode("a"), value: new TextEncoder().encode("1"), headers: { h: "x" } },
    { key: null, value: new TextEncoder().encode("2"), headers: {} },
  ]);
  await sink.disconnect();
  const rec = recordingHandler();
  const esm = eventSource(topic, rec.handler, { connection });
  await esm.start();
  await waitFor("2 records", () => rec.seen.length >= 2);
  await esm.stop();
  return rec.seen.map((r) => `${text(r.key)}=${text(r.value)}`);
}

describe("Kafka connection security against the real broker", () => {
  it("SASL/SCRAM-SHA-512: the write-back producer and the event source authenticate", async () => {
    const got = await roundTrip({
      brokers: [SASL],
      security: { protocol: "scram-sha-512", username: "lakestream", password: "lakestream-secret" },
    });
    expect(got).toEqual(["a=1", "null=2"]);
  });

  it("SASL/SCRAM-SHA-256 with a wrong password is refused, and the producer reports it instead of losing rows", async () => {
    const topic = await freshTopic("conn-bad", 1);
    const sink = new KafkaWriteBack({
      connection: {
        brokers: [SASL],
        security: { protocol: "scram-sha-256", username: "lakestream", password: "wrong" },
      },
      topic,
    });
    await expect(sink.send([{ key: null, value: new Uint8Array([1]), headers: {} }])).rejects.toBeInstanceOf(
      WriteBackError,
    );
  });

  it("TLS: verifies the broker certificate against the CA and round-trips", async () => {
    const got = await roundTrip({ brokers: [TLS], security: { protocol: "tls", tls: { ca: ca() } } });
    expect(got).toEqual(["a=1", "null=2"]);
  });

  it("TLS without the CA rejects the self-signed broker certificate", async () => {
    const topic = await freshTopic("conn-untrusted", 1);
    const sink = new KafkaWriteBack({
      connection: { brokers: [TLS], security: { protocol: "tls" } },
      topic,
      sendTimeoutMs: 3_000,
    });
    await expect(sink.send([{ key: null, value: new Uint8Array([1]), headers: {} }])).rejects.toBeInstanceOf(
      WriteBackError,
    );
  });

  it("write-back topic read by kcat: count, keys and lineage headers", async () => {
    const topic = await freshTopic("conn-kcat", 2);
    const sink = new KafkaWriteBack({ connection: { brokers: kafkaBrokers() }, topic });
    const enc = new TextEncoder();
    const rows = Array.from({ length: 50 }, (_, i) => ({
      key: enc.encode(`user-${i % 5}`),
      value: enc.encode(JSON.stringify({ i })),
      headers: {
        "lakestream.source.topic": "src",
        "lakestream.source.partition": "0",
        "lakestream.source.offset": String(i),
      },
    }));
    await sink.send(rows);
    await sink.disconnect();
    const out = execFileSync(
      kcat(),
      ["-C", "-b", kafkaBrokers().join(","), "-t", topic, "-e", "-q", "-f", "%k\t%h\t%s\n"],
      { encoding: "utf8", timeout: 30_000 },
    );
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(50);
    const offsets = new Set<string>();
    for (const line of lines) {
      const [key, headers, value] = line.split("\t");
      const i = JSON.parse(value ?? "{}").i as number;
      expect(key).toBe(`user-${i % 5}`);
      expect(headers).toContain("lakestream.source.topic=src");
      offsets.add(/lakestream\.source\.offset=(\d+)/.exec(headers ?? "")?.[1] ?? "");
    }
    expect(offsets.size).toBe(50);
  });
});
