package lakestream.examples.storm;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.storm.task.OutputCollector;
import org.apache.storm.task.TopologyContext;
import org.apache.storm.topology.OutputFieldsDeclarer;
import org.apache.storm.topology.base.BaseRichBolt;
import org.apache.storm.tuple.Tuple;

/**
 * Writes each tuple as one Kafka record with its key, Kafka timestamp and headers (Storm's
 * KafkaBolt writes none), and acks the tuple only once the broker acknowledged the record:
 * at least once, lineage kept. Idempotent producer, acks=all.
 */
public class HeaderKafkaBolt extends BaseRichBolt {
  static final AtomicLong WRITTEN = new AtomicLong();

  private final String brokers;
  private final String topic;
  private transient KafkaProducer<byte[], byte[]> producer;
  private transient OutputCollector collector;

  public HeaderKafkaBolt(String brokers, String topic) {
    this.brokers = brokers;
    this.topic = topic;
  }

  @Override
  public void prepare(Map<String, Object> conf, TopologyContext context, OutputCollector collector) {
    this.collector = collector;
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Override
  public void execute(Tuple input) {
    String[] keys = (String[]) input.getValueByField("headerKeys");
    String[] values = (String[]) input.getValueByField("headerValues");
    RecordHeaders headers = new RecordHeaders();
    for (int i = 0; i < keys.length; i++) headers.add(keys[i], values[i].getBytes(StandardCharsets.UTF_8));
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null,
        input.getLongByField("timestamp"), input.getBinaryByField("key"), input.getBinaryByField("value"), headers);
    try {
      // Waiting keeps acks on the executor thread (OutputCollector is not thread-safe in Storm 2).
      producer.send(record).get();
      WRITTEN.incrementAndGet();
      collector.ack(input);
    } catch (Exception e) {
      collector.reportError(e);
      collector.fail(input);
    }
  }

  @Override
  public void cleanup() {
    if (producer != null) producer.close();
  }

  @Override
  public void declareOutputFields(OutputFieldsDeclarer declarer) {}
}
