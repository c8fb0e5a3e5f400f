package lakestream.examples.flink;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Parses each {@code .avsc} file that {@code lakestream schema --format avro} printed with Avro's
 * own Java parser (names, logical types and defaults validated) and prints one JSON line per
 * file: the record name and each field's type in Avro's canonical form.
 */
public final class AvroSchemaCheck {
  private AvroSchemaCheck() {}

  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    for (String file : args) {
      // One parser per file: each schema defines its own names.
      Schema schema = new Schema.Parser().setValidateDefaults(true).parse(new File(file));
      Map<String, Object> fields = new LinkedHashMap<>();
      for (Schema.Field f : schema.getFields()) fields.put(f.name(), json.readTree(f.schema().toString()));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("name", schema.getFullName());
      out.put("fields", fields);
      System.out.println(json.writeValueAsString(out));
    }
  }
}
