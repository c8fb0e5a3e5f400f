package lakestream.examples.storm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.storm.task.OutputCollector;
import org.apache.storm.task.TopologyContext;
import org.apache.storm.topology.OutputFieldsDeclarer;
import org.apache.storm.topology.base.BaseRichBolt;
import org.apache.storm.tuple.Tuple;
import org.apache.storm.tuple.Values;

/**
 * Adds revenue in cents (exact, from lakestream's decimal text) and a channel to each row;
 * key, timestamp and lineage headers pass through, plus {@code enriched.by: storm}. Emits
 * anchored, so a failure downstream replays the spout's record.
 */
public class EnrichBolt extends BaseRichBolt {
  static final AtomicLong FAILED = new AtomicLong();
  static final AtomicLong REPLAYED = new AtomicLong();
  private static final AtomicBoolean FAILED_ONE = new AtomicBoolean();
  private static volatile String failedId;

  private final boolean failOnce;
  private transient OutputCollector collector;
  private transient ObjectMapper json;

  public EnrichBolt(boolean failOnce) {
    this.failOnce = failOnce;
  }

  @Override
  public void prepare(Map<String, Object> conf, TopologyContext context, OutputCollector collector) {
    this.collector = collector;
    this.json = new ObjectMapper();
  }

  @Override
  public void execute(Tuple input) {
    try {
      ObjectNode row = (ObjectNode) json.readTree(input.getBinaryByField("value"));
      String id = row.path("event_id").asText();
      // The forced replay: the first tuple fails once, before anything is written for it.
      if (failOnce && FAILED_ONE.compareAndSet(false, true)) {
        failedId = id;
        FAILED.incrementAndGet();
        collector.fail(input);
        return;
      }
      if (id.equals(failedId)) REPLAYED.incrementAndGet();
      String amount = row.path("amount").isNull() ? null : row.path("amount").asText(null);
      row.put("revenue_cents", amount == null ? 0 : new BigDecimal(amount).movePointRight(2).longValueExact());
      row.put("channel", row.path("is_mobile").asBoolean() ? "mobile" : "desktop");
      String[] keys = (String[]) input.getValueByField("headerKeys");
      String[] values = (String[]) input.getValueByField("headerValues");
      keys = Arrays.copyOf(keys, keys.length + 1);
      values = Arrays.copyOf(values, values.length + 1);
      keys[keys.length - 1] = "enriched.by";
      values[values.length - 1] = "storm";
      collector.emit(input, new Values(input.getValueByField("key"), json.writeValueAsBytes(row),
          input.getLongByField("timestamp"), keys, values));
      collector.ack(input);
    } catch (Exception e) {
      collector.reportError(e);
      collector.fail(input);
    }
  }

  @Override
  public void declareOutputFields(OutputFieldsDeclarer declarer) {
    declarer.declare(WriteBackTopology.RecordFields.FIELDS);
  }
}
