package tspark.bench;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The answer summaries of the benchmark programs, computed exactly as
 * scripts/bench/checksum.ts and summary.ts compute them for tspark, so the
 * harness can compare the two engines' results.
 */
public final class Check {
  public static final long MODULUS_MASK = (1L << 52) - 1;
  public static final int TOP_N = 10;

  private Check() {}

  /** FNV-1a (32 bit) over the UTF-16 code units of the key. */
  public static int keyHash(String key) {
    int h = 0x811c9dc5;
    for (int i = 0; i < key.length(); i++) {
      h ^= key.charAt(i);
      h *= 0x01000193;
    }
    return h;
  }

  /** The key hash mixed with a 32-bit value, as an unsigned number. */
  public static long entryHash(int hash, long value) {
    int v = (int) value;
    return Integer.toUnsignedLong((hash ^ (v * 0x9e3779b1)) * 0x85ebca6b);
  }

  public static long addChecksum(long a, long b) {
    return (a + b) & MODULUS_MASK;
  }

  /** Count descending, then key ascending. */
  public static final Comparator<Entry> TOP_ORDER =
      Comparator.comparingLong((Entry e) -> -e.value).thenComparing((Entry e) -> e.key);

  public static final class Entry implements Serializable {
    final String key;
    final long value;

    Entry(String key, long value) {
      this.key = key;
      this.value = value;
    }
  }

  /** Distinct keys, total of the values, checksum over (key, value), most frequent keys. */
  public static final class CountSummary implements Serializable {
    long distinct;
    long total;
    long checksum;
    final List<Entry> top = new ArrayList<>();

    public void add(String key, long value) {
      distinct++;
      total += value;
      checksum = addChecksum(checksum, entryHash(keyHash(key), value));
      Entry e = new Entry(key, value);
      if (top.size() < TOP_N || TOP_ORDER.compare(e, top.get(top.size() - 1)) < 0) {
        top.add(e);
        top.sort(TOP_ORDER);
        if (top.size() > TOP_N) top.remove(top.size() - 1);
      }
    }

    public static CountSummary merge(List<CountSummary> parts) {
      CountSummary out = new CountSummary();
      for (CountSummary p : parts) {
        out.distinct += p.distinct;
        out.total += p.total;
        out.checksum = addChecksum(out.checksum, p.checksum);
        out.top.addAll(p.top);
      }
      out.top.sort(TOP_ORDER);
      while (out.top.size() > TOP_N) out.top.remove(out.top.size() - 1);
      return out;
    }

    /** The JSON members (without braces). */
    public String jsonMembers() {
      StringBuilder b = new StringBuilder();
      b.append("\"distinct\":").append(distinct).append(",\"total\":").append(total);
      b.append(",\"checksum\":").append(checksum).append(",\"top\":[");
      for (int i = 0; i < top.size(); i++) {
        if (i > 0) b.append(',');
        b.append('[').append(jsonString(top.get(i).key)).append(',').append(top.get(i).value).append(']');
      }
      return b.append(']').toString();
    }
  }

  public static String jsonString(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  /** Prints the one line the harness reads. */
  public static void printResult(String jsonMembers) {
    System.out.println("BENCH_RESULT {" + jsonMembers + "}");
  }

  public static String seconds(long startNanos) {
    return Double.toString((System.nanoTime() - startNanos) / 1e9);
  }
}
