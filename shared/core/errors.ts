/**
 * Error classes of the pure core. Every error a record can cause carries the record's
 * coordinates, so quarantine lines and logs point at the exact Kafka record.
 */

/** Where a record came from: enough to find it again in Kafka. */
export interface RecordCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Base of every error raised by the pipeline core. */
export class LakestreamError extends Error {
  override readonly name: string = "LakestreamError";
}

/** A pipeline definition or runtime setting is wrong; `field` names the setting. */
export class ConfigError extends LakestreamError {
  override readonly name: string = "ConfigError";
  readonly field: string;
  constructor(field: string, message: string, options?: ErrorOptions) {
    super(`${field}: ${message}`, options);
    this.field = field;
  }
}

/** A Lambda event (or an event file) does not have the shape Lambda sends. */
export class EventShapeError extends LakestreamError {
  override readonly name: string = "EventShapeError";
  readonly path: string;
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(`${path}: ${message}`, options);
    this.path = path;
  }
}

/** Base of the errors that send one record to quarantine; the rest of the batch goes on. */
export class RecordError extends LakestreamError {
  override readonly name: string = "RecordError";
  readonly coordinates: RecordCoordinates;
  constructor(coordinates: RecordCoordinates, message: string, options?: ErrorOptions) {
    super(message, options);
    this.coordinates = coordinates;
  }
}

/** The key or value bytes could not be deserialized in the declared format; `field` says which. */
export class DeserializeError extends RecordError {
  override readonly name: string = "DeserializeError";
  readonly field: "key" | "value";
  constructor(
    coordinates: RecordCoordinates,
    field: "key" | "value",
    message: string,
    options?: ErrorOptions,
  ) {
    super(coordinates, message, options);
    this.field = field;
  }
}

/**
 * The record's Kafka timestamp is not a whole number of epoch milliseconds that a Parquet
 * timestamp (int64 microseconds) can hold; Lambda passes on whatever the producer set.
 */
export class KafkaTimestampError extends RecordError {
  override readonly name: string = "KafkaTimestampError";
}

/** The user's transform threw. */
export class TransformError extends RecordError {
  override readonly name: string = "TransformError";
}

/** A row returned by the transform does not fit the output schema; `field` names the column. */
export class SchemaViolationError extends RecordError {
  override readonly name: string = "SchemaViolationError";
  readonly field: string;
  constructor(coordinates: RecordCoordinates, field: string, message: string) {
    super(coordinates, `${field}: ${message}`);
    this.field = field;
  }
}

/** The record's event time could not be determined (missing or invalid field). */
export class EventTimeError extends RecordError {
  override readonly name: string = "EventTimeError";
}

/** A value-partition column's value cannot be a path segment (too long once escaped); `field` names it. */
export class PartitionValueError extends RecordError {
  override readonly name: string = "PartitionValueError";
  readonly field: string;
  constructor(coordinates: RecordCoordinates, field: string, message: string) {
    super(coordinates, `${field}: ${message}`);
    this.field = field;
  }
}
