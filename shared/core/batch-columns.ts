import type { RawRecord } from "./kafka-decode.ts";
import { LINEAGE_COLUMNS, type TableSchema } from "./schema.ts";

/**
 * The rows of one output file, kept column by column as they are planned: each row's values go
 * straight into the file's columns (and its record's coordinates into the lineage columns), so
 * a batch holds no row objects and no second, column-wise copy of them before encoding.
 */
export class FileColumns {
  readonly #names: readonly string[];
  readonly #values: unknown[][];
  readonly #offsets: bigint[] = [];
  readonly #timestamps: number[] = [];
  readonly #topic: string;
  readonly #partition: number;
  /** Estimated bytes so far (input sizes plus a per-row overhead), for cutting files by size. */
  bytes = 0;
  /** The record of the last row: a flatMap record's rows never straddle two files. */
  lastRecord: RawRecord | undefined;
  firstOffset = -1;

  /** `names`: the value columns of the file schema, in order (lineage columns excluded). */
  constructor(names: readonly string[], topic: string, partition: number) {
    this.#names = names;
    this.#values = names.map(() => []);
    this.#topic = topic;
    this.#partition = partition;
  }

  get rows(): number {
    return this.#offsets.length;
  }

  append(values: Readonly<Record<string, unknown>>, record: RawRecord, size: number): void {
    const names = this.#names;
    for (let i = 0; i < names.length; i++) this.#values[i]!.push(values[names[i]!]);
    if (this.firstOffset < 0) this.firstOffset = record.offset;
    this.#offsets.push(BigInt(record.offset));
    this.#timestamps.push(record.timestamp);
    this.bytes += size;
    this.lastRecord = record;
  }

  /** The columns as the encoders take them, by name. */
  columns(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    this.#names.forEach((name, i) => {
      out[name] = this.#values[i]!;
    });
    const n = this.rows;
    out._topic = new Array(n).fill(this.#topic);
    out._partition = new Array(n).fill(this.#partition);
    out._offset = this.#offsets;
    out._ts = this.#timestamps;
    return out;
  }
}

/** The value columns of a file schema: every column but the lineage ones, in schema order. */
export function valueColumnNames(schema: TableSchema): string[] {
  const lineage = new Set<string>(LINEAGE_COLUMNS);
  return Object.keys(schema).filter((name) => !lineage.has(name));
}
