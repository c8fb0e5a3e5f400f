package lakestream.examples.flink;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One Kafka record as it flows through a job: key, value, Kafka timestamp and headers, so a job
 * can copy lakestream's lineage headers and event-time timestamp onto what it writes. A Flink
 * POJO (public fields, no-argument constructor, arrays instead of maps): no Kryo fallback.
 */
public class KafkaMessage {
  public byte[] key;
  public byte[] value;
  /** The Kafka timestamp: lakestream sets it to the row's event time. */
  public long timestamp;
  public String[] headerKeys = new String[0];
  public String[] headerValues = new String[0];

  public KafkaMessage() {}

  public static KafkaMessage of(ConsumerRecord<byte[], byte[]> record) {
    KafkaMessage m = new KafkaMessage();
    m.key = record.key();
    m.value = record.value();
    m.timestamp = record.timestamp();
    Header[] headers = record.headers().toArray();
    m.headerKeys = new String[headers.length];
    m.headerValues = new String[headers.length];
    for (int i = 0; i < headers.length; i++) {
      m.headerKeys[i] = headers[i].key();
      m.headerValues[i] = new String(headers[i].value(), StandardCharsets.UTF_8);
    }
    return m;
  }

  /** The value of header {@code name}, or null. */
  public String header(String name) {
    for (int i = 0; i < headerKeys.length; i++) if (headerKeys[i].equals(name)) return headerValues[i];
    return null;
  }
}
