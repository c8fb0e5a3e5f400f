package lakestream.examples.flink;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs the DDL {@code lakestream schema --format flink-sql} prints, as printed, then queries in
 * batch mode, one JSON line per result row on stdout. This is how a Flink SQL user reads
 * lakestream's published Iceberg tables (the printed {@code CREATE CATALOG}, then
 * {@code lake.lakestream.<table>}), its raw Hive-layout files or its write-back topic, and how CI
 * checks the DDL.
 *
 * <pre>
 * java -cp "target/classes:target/lib/*" lakestream.examples.flink.FlinkSqlCheck \
 *   --ddl events.sql --query "SELECT COUNT(*) AS n FROM lake.lakestream.clickstream_events"
 * </pre>
 */
public final class FlinkSqlCheck {
  private FlinkSqlCheck() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    tEnv.getConfig().set("table.local-time-zone", "UTC");
    tEnv.getConfig().set("parallelism.default", a.getOrDefault("parallelism", "1"));
    for (String ddl : a.getOrDefault("ddl", "").split(",")) {
      if (ddl.isEmpty()) continue;
      for (String statement : statements(Files.readString(Path.of(ddl)))) tEnv.executeSql(statement);
    }
    ObjectMapper json = new ObjectMapper();
    for (String query : Args.required(a, "query").split(";")) {
      if (query.isBlank()) continue;
      TableResult result = tEnv.executeSql(query);
      List<String> names = result.getResolvedSchema().getColumnNames();
      try (CloseableIterator<Row> rows = result.collect()) {
        while (rows.hasNext()) {
          Row row = rows.next();
          Map<String, Object> out = new LinkedHashMap<>();
          for (int i = 0; i < names.size(); i++) {
            Object v = row.getField(i);
            out.put(names.get(i), v == null || v instanceof Number || v instanceof Boolean ? v : v.toString());
          }
          System.out.println(json.writeValueAsString(out));
        }
      }
    }
  }

  /** Statements of a SQL script: `--` comment lines dropped, split after each `;` that ends a line. */
  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      if (line.strip().startsWith("--")) continue;
      current.append(line).append('\n');
      if (line.strip().endsWith(";")) {
        String s = current.toString().strip();
        out.add(s.substring(0, s.length() - 1));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) out.add(current.toString().strip());
    return out;
  }
}
