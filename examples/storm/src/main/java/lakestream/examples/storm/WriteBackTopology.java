package lakestream.examples.storm;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.storm.Config;
import org.apache.storm.LocalCluster;
import org.apache.storm.kafka.spout.FirstPollOffsetStrategy;
import org.apache.storm.kafka.spout.KafkaSpout;
import org.apache.storm.kafka.spout.KafkaSpoutConfig;
import org.apache.storm.topology.TopologyBuilder;
import org.apache.storm.tuple.Fields;

/**
 * Storm reads lakestream's write-back topic, enriches each row and writes it to a topic that
 * lakestream ingests: KafkaSpout → {@link EnrichBolt} → {@link HeaderKafkaBolt}. Storm's stock
 * KafkaBolt writes no headers, so the last bolt is a small producer of its own that carries
 * the key, the Kafka timestamp (the row's event time) and the {@code lakestream.source.*}
 * lineage headers. At least once: a tuple is acked only after the broker acknowledged its
 * record, and a failed tuple is replayed by the spout.
 *
 * <pre>
 * java -cp "target/classes:target/lib/*" lakestream.examples.storm.WriteBackTopology \
 *   --brokers 127.0.0.1:9092 --input clickstream-clean --output clickstream-enriched \
 *   [--expect N] [--fail-once] [--timeout-seconds S]
 * </pre>
 *
 * Runs in a LocalCluster; with {@code --expect N} it stops once N records were written and
 * prints a JSON summary (records written, tuples failed and replayed). {@code --fail-once}
 * fails the first tuple once, to show the replay.
 */
public final class WriteBackTopology {
  private WriteBackTopology() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    String brokers = a.get("brokers");
    KafkaSpoutConfig<byte[], byte[]> spoutConfig = new KafkaSpoutConfig.Builder<byte[], byte[]>(brokers, a.get("input"))
        .setProp(ConsumerConfig.GROUP_ID_CONFIG, a.getOrDefault("group", "lakestream-storm-enrich"))
        .setProp(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.ByteArrayDeserializer")
        .setProp(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.ByteArrayDeserializer")
        .setFirstPollOffsetStrategy(FirstPollOffsetStrategy.EARLIEST)
        .setProcessingGuarantee(KafkaSpoutConfig.ProcessingGuarantee.AT_LEAST_ONCE)
        // The default translator emits no timestamp and no headers: keep the whole record.
        .setRecordTranslator(RecordFields::of, RecordFields.FIELDS)
        .build();

    TopologyBuilder builder = new TopologyBuilder();
    builder.setSpout("write-back", new KafkaSpout<>(spoutConfig), 1);
    builder.setBolt("enrich", new EnrichBolt(a.containsKey("fail-once")), 1).shuffleGrouping("write-back");
    builder.setBolt("to-kafka", new HeaderKafkaBolt(brokers, a.get("output")), 1).shuffleGrouping("enrich");

    Config conf = new Config();
    conf.setNumWorkers(1);
    conf.setMessageTimeoutSecs(30);
    long expect = Long.parseLong(a.getOrDefault("expect", "-1"));
    long deadline = System.currentTimeMillis() + 1000L * Long.parseLong(a.getOrDefault("timeout-seconds", "300"));
    try (LocalCluster cluster = new LocalCluster()) {
      cluster.submitTopology("lakestream-write-back", conf, builder.createTopology());
      while (expect < 0 || HeaderKafkaBolt.WRITTEN.get() < expect) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("wrote " + HeaderKafkaBolt.WRITTEN.get() + " of " + expect + " records in time");
        }
        Thread.sleep(200);
      }
      cluster.killTopology("lakestream-write-back");
    }
    Map<String, Object> summary = new HashMap<>();
    summary.put("written", HeaderKafkaBolt.WRITTEN.get());
    summary.put("failed", EnrichBolt.FAILED.get());
    summary.put("replayed", EnrichBolt.REPLAYED.get());
    System.out.println(new ObjectMapper().writeValueAsString(summary));
    System.exit(0);
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i].substring(2);
      boolean flag = i + 1 == args.length || args[i + 1].startsWith("--");
      out.put(name, flag ? "true" : args[++i]);
    }
    for (String required : new String[] {"brokers", "input", "output"}) {
      if (!out.containsKey(required)) throw new IllegalArgumentException("--" + required + " is required");
    }
    return out;
  }

  /** Tuple fields of one Kafka record. */
  static final class RecordFields {
    static final Fields FIELDS = new Fields("key", "value", "timestamp", "headerKeys", "headerValues");

    private RecordFields() {}

    static java.util.List<Object> of(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r) {
      var headers = r.headers().toArray();
      String[] keys = new String[headers.length];
      String[] values = new String[headers.length];
      for (int i = 0; i < headers.length; i++) {
        keys[i] = headers[i].key();
        values[i] = new String(headers[i].value(), java.nio.charset.StandardCharsets.UTF_8);
      }
      return new org.apache.storm.tuple.Values(r.key(), r.value(), r.timestamp(), keys, values);
    }
  }
}
