package tspark.bench;

/**
 * Prints Check's hashes for a fixed set of keys and values as JSON, the vectors that
 * test/unit/bench/checksum-vectors.test.ts holds the TypeScript side to
 * (see test/fixtures/bench/README.md). Needs no Spark:
 *   javac -d out Check.java CheckVectors.java && java -cp out tspark.bench.CheckVectors
 */
public final class CheckVectors {
  private static final String[] KEYS = {"", "a", "foobar", "the", "k0", "k999999", "zzzzzzzzzz", "é€😀", "tab\there"};
  private static final long[] VALUES = {0, 1, 127, 128, 999, 1_000_000, Integer.MAX_VALUE, 2_000_000_000_000L, -5};

  private CheckVectors() {}

  public static void main(String[] args) {
    StringBuilder b = new StringBuilder("{\n  \"keyHash\": [");
    for (int i = 0; i < KEYS.length; i++) {
      if (i > 0) b.append(',');
      b.append("\n    [").append(Check.jsonString(KEYS[i])).append(", ").append(Integer.toUnsignedLong(Check.keyHash(KEYS[i]))).append(']');
    }
    b.append("\n  ],\n  \"entryHash\": [");
    boolean first = true;
    for (String k : KEYS) {
      for (long v : VALUES) {
        if (!first) b.append(',');
        first = false;
        int h = Check.keyHash(k);
        b.append("\n    [").append(Integer.toUnsignedLong(h)).append(", ").append(v).append(", ").append(Check.entryHash(h, v)).append(']');
      }
    }
    b.append("\n  ],\n  \"summary\": ");
    Check.CountSummary s = new Check.CountSummary();
    for (int i = 0; i < KEYS.length; i++) s.add(KEYS[i], VALUES[i]);
    b.append('{').append(s.jsonMembers()).append("}\n}");
    System.out.println(b);
  }
}
