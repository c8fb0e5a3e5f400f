package lakestream.examples.flink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Flink reads lakestream's write-back topic, enriches each row and writes it to a topic that
 * lakestream ingests, keeping what the write-back contract (docs/write-back.md) gives it: the
 * key (per-key order), the Kafka timestamp (the row's event time, so lakestream's event-time
 * partitions and windows hold) and the {@code lakestream.source.*} lineage headers.
 *
 * <pre>
 * java -cp "target/classes:target/lib/*" lakestream.examples.flink.WriteBackEnrichJob \
 *   --brokers 127.0.0.1:9092 --input clickstream-clean --output clickstream-enriched \
 *   [--avro-schema value.avsc] [--bounded]
 * </pre>
 *
 * Values are lakestream's JSON, or with {@code --avro-schema} (the file {@code lakestream schema
 * --write-back --format avro} prints) Avro binary datums, turned into the same JSON.
 */
public final class WriteBackEnrichJob {
  private WriteBackEnrichJob() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    String brokers = Args.required(a, "brokers");
    String input = Args.required(a, "input");
    String output = Args.required(a, "output");
    String avroSchema = a.containsKey("avro-schema") ? Files.readString(Path.of(a.get("avro-schema"))) : null;

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(Integer.parseInt(a.getOrDefault("parallelism", "1")));
    var source = KafkaSource.<KafkaMessage>builder()
        .setBootstrapServers(brokers)
        .setTopics(input)
        .setGroupId(a.getOrDefault("group", "lakestream-flink-enrich"))
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setDeserializer(new WholeRecord());
    // Bounded: read up to the offsets at start, then finish (tests, backfills); else run forever.
    if (a.containsKey("bounded")) source.setBounded(OffsetsInitializer.latest());

    DataStream<KafkaMessage> messages =
        env.fromSource(source.build(), WatermarkStrategy.noWatermarks(), "write-back " + input);
    DataStream<KafkaMessage> enriched = messages.map(new Enrich(avroSchema)).name("enrich");
    enriched.sinkTo(KafkaSink.<KafkaMessage>builder()
        .setBootstrapServers(brokers)
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .setRecordSerializer(new WithHeaders(output))
        .build()).name("enriched " + output);
    env.execute("lakestream write-back enrich " + input + " -> " + output);
  }

  /** Keeps the whole Kafka record: Flink's value-only deserializers drop headers and key. */
  static final class WholeRecord implements KafkaRecordDeserializationSchema<KafkaMessage> {
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaMessage> out) {
      out.collect(KafkaMessage.of(record));
    }

    @Override
    public TypeInformation<KafkaMessage> getProducedType() {
      return TypeInformation.of(KafkaMessage.class);
    }
  }

  /**
   * The enrichment: revenue in cents (exact, from the decimal text) and a channel. Key,
   * timestamp and headers pass through untouched; one header says which engine touched it.
   */
  static final class Enrich implements org.apache.flink.api.common.functions.MapFunction<KafkaMessage, KafkaMessage> {
    private final String avroSchema;
    private transient ObjectMapper json;
    private transient AvroToJson avro;

    Enrich(String avroSchema) {
      this.avroSchema = avroSchema;
    }

    @Override
    public KafkaMessage map(KafkaMessage m) throws IOException {
      if (json == null) json = new ObjectMapper();
      ObjectNode row;
      if (avroSchema == null) row = (ObjectNode) json.readTree(m.value);
      else {
        if (avro == null) avro = new AvroToJson(new Schema.Parser().parse(avroSchema));
        row = avro.convert(m.value);
      }
      String amount = row.path("amount").isNull() ? null : row.path("amount").asText(null);
      row.put("revenue_cents", amount == null ? 0 : new BigDecimal(amount).movePointRight(2).longValueExact());
      row.put("channel", row.path("is_mobile").asBoolean() ? "mobile" : "desktop");
      KafkaMessage out = new KafkaMessage();
      out.key = m.key;
      out.value = json.writeValueAsBytes(row);
      out.timestamp = m.timestamp;
      out.headerKeys = java.util.Arrays.copyOf(m.headerKeys, m.headerKeys.length + 1);
      out.headerValues = java.util.Arrays.copyOf(m.headerValues, m.headerValues.length + 1);
      out.headerKeys[m.headerKeys.length] = "enriched.by";
      out.headerValues[m.headerValues.length] = "flink";
      return out;
    }
  }

  /** Writes key, value, the original timestamp and every header. */
  static final class WithHeaders implements KafkaRecordSerializationSchema<KafkaMessage> {
    private final String topic;

    WithHeaders(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
        KafkaMessage m, KafkaRecordSerializationSchema.KafkaSinkContext context, Long timestamp) {
      RecordHeaders headers = new RecordHeaders();
      for (int i = 0; i < m.headerKeys.length; i++) {
        headers.add(m.headerKeys[i], m.headerValues[i].getBytes(StandardCharsets.UTF_8));
      }
      return new ProducerRecord<>(topic, null, m.timestamp, m.key, m.value, headers);
    }
  }
}
