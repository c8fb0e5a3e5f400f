package lakestream.examples.flink;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} and {@code --flag} arguments. */
final class Args {
  private Args() {}

  static Map<String, String> parse(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument " + args[i]);
      String name = args[i].substring(2);
      boolean flag = i + 1 == args.length || args[i + 1].startsWith("--");
      out.put(name, flag ? "true" : args[++i]);
    }
    return out;
  }

  static String required(Map<String, String> args, String name) {
    String v = args.get(name);
    if (v == null) throw new IllegalArgumentException("--" + name + " is required");
    return v;
  }
}
