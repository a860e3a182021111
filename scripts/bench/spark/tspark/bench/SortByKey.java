package tspark.bench;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/** sortByKey over key TAB value records, then an order check and a checksum per output partition. */
public final class SortByKey {
  static final class Part implements Serializable {
    int index;
    long count;
    String first;
    String last;
    boolean sorted = true;
    long checksum;
  }

  public static void main(String[] args) {
    String input = args[0];
    int inParts = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int outParts = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName("bench-sort-by-key"));
    sc.setLogLevel("WARN");
    SpillListener spills = new SpillListener();
    sc.sc().addSparkListener(spills);
    long t0 = System.nanoTime();
    List<Part> parts =
        sc.textFile(input, inParts)
            .mapToPair(
                line -> {
                  int tab = line.indexOf('\t');
                  return new Tuple2<>(line.substring(0, tab), Integer.parseInt(line.substring(tab + 1)));
                })
            .sortByKey(true, outParts)
            .mapPartitionsWithIndex(
                (index, it) -> {
                  Part p = new Part();
                  p.index = index;
                  while (it.hasNext()) {
                    Tuple2<String, Integer> t = it.next();
                    if (p.last != null && t._1().compareTo(p.last) < 0) p.sorted = false;
                    if (p.first == null) p.first = t._1();
                    p.last = t._1();
                    p.count++;
                    p.checksum = Check.addChecksum(p.checksum, Check.entryHash(Check.keyHash(t._1()), t._2()));
                  }
                  return Collections.singletonList(p).iterator();
                },
                false)
            .collect();
    String jobSeconds = Check.seconds(t0);
    sc.stop();
    List<Part> ordered = new ArrayList<>(parts);
    ordered.sort((a, b) -> Integer.compare(a.index, b.index));
    long count = 0;
    long checksum = 0;
    StringBuilder problems = new StringBuilder();
    String previousLast = null;
    for (Part p : ordered) {
      count += p.count;
      checksum = Check.addChecksum(checksum, p.checksum);
      if (!p.sorted) appendProblem(problems, "partition " + p.index + " is not sorted");
      if (p.count == 0) continue;
      if (previousLast != null && p.first.compareTo(previousLast) < 0) {
        appendProblem(problems, "partition " + p.index + " starts below the previous partition's last key");
      }
      previousLast = p.last;
    }
    Check.printResult(
        "\"count\":" + count + ",\"checksum\":" + checksum + ",\"problems\":[" + problems + "],"
            + spills.jsonMembers() + ",\"jobSeconds\":" + jobSeconds);
  }

  private static void appendProblem(StringBuilder b, String problem) {
    if (b.length() > 0) b.append(',');
    b.append(Check.jsonString(problem));
  }
}
