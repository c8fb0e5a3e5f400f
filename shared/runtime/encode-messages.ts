import type { FileContent, FileEncoderSpec } from "../core/encode/file-encoder.ts";

/** What the encode pool sends its worker: one file to encode. */
export interface EncodeRequest {
  readonly id: number;
  readonly spec: FileEncoderSpec;
  readonly content: FileContent;
}

/** The worker's answer: the file's bytes, or the encoder's error as plain data. */
export type EncodeReply =
  | { readonly id: number; readonly body: Uint8Array }
  | { readonly id: number; readonly error: { name: string; message: string; stack?: string } };
