package lakestream.examples.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes lakestream's Avro write-back values (raw binary datums, schema from {@code lakestream
 * schema --write-back --format avro}) with Avro's own reader, into the JSON lakestream writes:
 * timestamps ISO-8601 UTC with milliseconds, decimals as exact text, dates yyyy-MM-dd.
 */
final class AvroToJson {
  private static final DateTimeFormatter ISO_MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private final GenericDatumReader<GenericRecord> reader;
  private final JsonNodeFactory nodes = JsonNodeFactory.instance;

  AvroToJson(Schema schema) {
    this.reader = new GenericDatumReader<>(schema);
  }

  ObjectNode convert(byte[] datum) throws IOException {
    GenericRecord record = reader.read(null, DecoderFactory.get().binaryDecoder(datum, null));
    return (ObjectNode) value(record.getSchema(), record);
  }

  private JsonNode value(Schema schema, Object v) {
    if (v == null) return nodes.nullNode();
    if (schema.getType() == Schema.Type.UNION) {
      for (Schema branch : schema.getTypes()) if (branch.getType() != Schema.Type.NULL) return value(branch, v);
    }
    var logical = schema.getLogicalType();
    if (logical instanceof LogicalTypes.TimestampMicros) {
      return nodes.textNode(ISO_MILLIS.format(Instant.EPOCH.plusNanos(Math.multiplyExact((Long) v, 1000L))));
    }
    if (logical instanceof LogicalTypes.Date) return nodes.textNode(LocalDate.ofEpochDay((Integer) v).toString());
    if (logical instanceof LogicalTypes.Decimal d) {
      byte[] bytes = v instanceof GenericData.Fixed f ? f.bytes() : toArray((ByteBuffer) v);
      return nodes.textNode(new BigDecimal(new BigInteger(bytes), d.getScale()).toPlainString());
    }
    switch (schema.getType()) {
      case RECORD: {
        ObjectNode o = nodes.objectNode();
        GenericRecord r = (GenericRecord) v;
        for (Schema.Field f : schema.getFields()) o.set(f.name(), value(f.schema(), r.get(f.name())));
        return o;
      }
      case ARRAY: {
        ArrayNode a = nodes.arrayNode();
        for (Object item : (List<?>) v) a.add(value(schema.getElementType(), item));
        return a;
      }
      case STRING:
        return nodes.textNode(v.toString());
      case INT:
        return nodes.numberNode((Integer) v);
      case LONG:
        return nodes.numberNode((Long) v);
      case DOUBLE:
        return nodes.numberNode((Double) v);
      case BOOLEAN:
        return nodes.booleanNode((Boolean) v);
      default:
        throw new IllegalArgumentException("type lakestream does not write: " + schema);
    }
  }

  private static byte[] toArray(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
