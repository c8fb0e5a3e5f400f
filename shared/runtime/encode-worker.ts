import { parentPort } from "node:worker_threads";
import { encodeFile } from "../core/encode/file-encoder.ts";
import type { EncodeReply, EncodeRequest } from "./encode-messages.ts";

/**
 * The encode pool's worker: encodes one file per message with the same function the inline
 * path calls, and hands the bytes back without a copy (transferred). An encoder error goes back
 * as a reply, as the inline path would throw it; only a crash ends the thread.
 */
const port = parentPort;
if (!port) throw new Error("encode-worker runs only as a worker thread");
port.on("message", (request: EncodeRequest) => {
  let reply: EncodeReply;
  try {
    const body = encodeFile(request.spec, request.content);
    reply = { id: request.id, body };
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    reply = { id: request.id, error: { name: error.name, message: error.message, stack: error.stack } };
  }
  const transfer =
    "body" in reply && reply.body.byteOffset === 0 && reply.body.byteLength === reply.body.buffer.byteLength
      ? [reply.body.buffer as ArrayBuffer]
      : [];
  port.postMessage(reply, transfer);
});
