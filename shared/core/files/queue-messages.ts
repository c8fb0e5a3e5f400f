import { EventShapeError } from "../errors.ts";
import type { FileUnit } from "./file-units.ts";

/**
 * What the file ingest's SQS queue carries: S3 `Object Created` events that EventBridge routes
 * there (key as S3 stores it, not URL-encoded), and the units of a large object that the ingest
 * puts back on its own queue, so each unit is an invocation of its own.
 */

/** An object version an `Object Created` event announces. */
export interface ObjectCreated {
  readonly kind: "object-created";
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** ETag without quotes. */
  readonly etag: string;
  readonly versionId?: string;
  /** The event's time, epoch millis: when the object was written. */
  readonly time: number;
}

/** One unit of an object version whose plan the lake holds. */
export interface UnitMessage {
  readonly kind: "file-unit";
  readonly format: "lakestream-file-unit-message/1";
  readonly bucket: string;
  readonly key: string;
  /** The object version's `_topic`, which names its plan in the lake. */
  readonly topic: string;
  readonly unit: FileUnit;
}

export type FileQueueMessage = ObjectCreated | UnitMessage;

/** Parses a queue message body; a body of another shape is an EventShapeError naming the field. */
export function parseQueueMessage(body: string): FileQueueMessage {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new EventShapeError("body", "must be JSON");
  }
  if (!isObject(doc)) throw new EventShapeError("body", "must be a JSON object");
  if (doc.format === "lakestream-file-unit-message/1") {
    const { bucket, key, topic, unit } = doc;
    if (typeof bucket !== "string" || typeof key !== "string" || typeof topic !== "string" || !isUnit(unit)) {
      throw new EventShapeError("body", "a unit message needs bucket, key, topic and unit");
    }
    return { kind: "file-unit", format: "lakestream-file-unit-message/1", bucket, key, topic, unit };
  }
  if (doc.source !== "aws.s3" || doc["detail-type"] !== "Object Created") {
    throw new EventShapeError(
      "body",
      'must be an S3 "Object Created" event from EventBridge or a unit message',
    );
  }
  const detail = doc.detail;
  if (!isObject(detail) || !isObject(detail.bucket) || !isObject(detail.object)) {
    throw new EventShapeError("body.detail", "must hold bucket and object");
  }
  const { name } = detail.bucket;
  const { key, size, etag } = detail.object;
  const versionId = detail.object["version-id"];
  if (typeof name !== "string") throw new EventShapeError("body.detail.bucket.name", "must be a string");
  if (typeof key !== "string" || key === "")
    throw new EventShapeError("body.detail.object.key", "must be a string");
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new EventShapeError("body.detail.object.size", "must be a byte count");
  }
  if (typeof etag !== "string" || etag === "")
    throw new EventShapeError("body.detail.object.etag", "must be a string");
  const time = typeof doc.time === "string" ? Date.parse(doc.time) : Number.NaN;
  if (Number.isNaN(time)) throw new EventShapeError("body.time", "must be an ISO-8601 time");
  return {
    kind: "object-created",
    bucket: name,
    key,
    size,
    etag: etag.replace(/"/g, ""),
    ...(typeof versionId === "string" && versionId !== "null" ? { versionId } : {}),
    time,
  };
}

/** The body of a unit message. */
export function unitMessageBody(m: Omit<UnitMessage, "kind" | "format">): string {
  return JSON.stringify({ format: "lakestream-file-unit-message/1", ...m });
}

function isUnit(u: unknown): u is FileUnit {
  if (!isObject(u)) return false;
  const n = (k: string) => typeof u[k] === "number" && Number.isSafeInteger(u[k]) && (u[k] as number) >= 0;
  return (
    u.kind === "whole" ||
    (u.kind === "bytes" && n("start") && n("end") && n("firstLine")) ||
    (u.kind === "rows" && n("rowStart") && n("rowEnd"))
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
