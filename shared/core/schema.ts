/**
 * The output table schema: the column types a pipeline can declare. Kept to what Parquet,
 * Hive, Spark, Athena and DuckDB all agree on, so every engine reads the table as it is.
 */

interface Nullable {
  /** Null allowed (Parquet OPTIONAL). Defaults to false: a missing value is a schema violation. */
  readonly nullable?: boolean;
}

export type PrimitiveColumn = Nullable & {
  readonly type: "string" | "int32" | "int64" | "double" | "boolean" | "date";
};
/**
 * An instant, stored as UTC microseconds. A number is read in `unit`: "ms" (epoch
 * milliseconds) or "s" (epoch seconds, fractions down to the millisecond). Without `unit`,
 * numbers are milliseconds, and one between 1e8 and 1e11 (early 1970 to 1973 as
 * milliseconds, but 1973 to 5138 as seconds) is refused as probably seconds: say `unit: "ms"`
 * to accept such early instants.
 */
export type TimestampColumn = Nullable & { readonly type: "timestamp"; readonly unit?: "ms" | "s" };
/** Exact decimal, e.g. money. Values are given as strings or numbers ("12.50"). */
export type DecimalColumn = Nullable & {
  readonly type: "decimal";
  readonly precision: number;
  readonly scale: number;
};
export type ListColumn = Nullable & { readonly type: "list"; readonly items: Column };
export type StructColumn = Nullable & {
  readonly type: "struct";
  readonly fields: Readonly<Record<string, Column>>;
};
export type Column = PrimitiveColumn | TimestampColumn | DecimalColumn | ListColumn | StructColumn;
export type TableSchema = Readonly<Record<string, Column>>;

type ValueOf<C extends Column> = C extends { type: "string" | "decimal" }
  ? C extends { type: "decimal" }
    ? string | number
    : string
  : C extends { type: "int32" | "double" }
    ? number
    : C extends { type: "int64" }
      ? bigint | number
      : C extends { type: "boolean" }
        ? boolean
        : C extends { type: "timestamp" }
          ? Date | number | string
          : C extends { type: "date" }
            ? string | Date
            : C extends { type: "list"; items: infer I extends Column }
              ? InferValue<I>[]
              : C extends { type: "struct"; fields: infer F extends TableSchema }
                ? InferRow<F>
                : never;

type InferValue<C extends Column> = C extends { nullable: true } ? ValueOf<C> | null : ValueOf<C>;

type NullableKeys<S extends TableSchema> = {
  [K in keyof S]: S[K] extends { nullable: true } ? K : never;
}[keyof S];

/**
 * The row type a transform returns for a schema: timestamps as Date, epoch millis or ISO text;
 * dates as "YYYY-MM-DD"; int64 as bigint or a safe integer; nullable columns may be omitted.
 */
export type InferRow<S extends TableSchema> = {
  -readonly [K in Exclude<keyof S, NullableKeys<S>>]: InferValue<S[K]>;
} & {
  -readonly [K in NullableKeys<S>]?: InferValue<S[K]>;
};

/** Lineage columns added to every raw row, so later stages can dedupe on (topic, partition, offset). */
export const LINEAGE_SCHEMA = {
  _topic: { type: "string" },
  _partition: { type: "int32" },
  _offset: { type: "int64" },
  _ts: { type: "timestamp" },
} as const satisfies TableSchema;

export const LINEAGE_COLUMNS = Object.keys(LINEAGE_SCHEMA) as (keyof typeof LINEAGE_SCHEMA)[];
