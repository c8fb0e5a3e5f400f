import { type AsyncBuffer, cachedAsyncBuffer } from "hyparquet";
import { UndecodableFileError } from "../../core/files/errors.ts";
import type { SourceObject } from "../../core/files/file-source.ts";
import type { SourceFiles } from "../../storage/source-files.ts";

/** A source object read by ranges (a Parquet footer, then its row groups), as hyparquet reads. */
export interface SourceBuffer {
  readonly file: AsyncBuffer;
  /**
   * Whether a read found the object's version gone (replaced or deleted since it was listed):
   * the read then threw, and the caller acknowledges the object as gone instead of quarantining it.
   */
  gone(): boolean;
}

export function sourceBuffer(source: SourceFiles, object: SourceObject): SourceBuffer {
  let gone = false;
  const file = cachedAsyncBuffer({
    byteLength: object.size,
    slice: async (start, end) => {
      const bytes = await source.read(object, start, end);
      if (!bytes) {
        gone = true;
        throw new UndecodableFileError(object.uri, "gone while being read");
      }
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  });
  return { file, gone: () => gone };
}
