package tspark.bench;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/** reduceByKey (sum per key) or groupByKey (size and sum per group) over records with Zipf-skewed keys. */
public final class SkewedAggregation {
  static final class Groups implements Serializable {
    final Check.CountSummary sizes = new Check.CountSummary();
    long sums;
  }

  public static void main(String[] args) {
    String op = args[0];
    String input = args[1];
    int inParts = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    int outParts = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName("bench-skewed-" + op));
    sc.setLogLevel("WARN");
    SpillListener spills = new SpillListener();
    sc.sc().addSparkListener(spills);
    long t0 = System.nanoTime();
    // Long values: the sum of the hottest key may pass Integer.MAX_VALUE with enough records.
    JavaPairRDD<String, Long> records =
        sc.textFile(input, inParts)
            .mapToPair(
                line -> {
                  int tab = line.indexOf('\t');
                  return new Tuple2<>(line.substring(0, tab), Long.parseLong(line.substring(tab + 1)));
                });
    String members;
    if (op.equals("reduce")) {
      List<Check.CountSummary> partials =
          records
              .reduceByKey(Long::sum, outParts)
              .mapPartitions(
                  it -> {
                    Check.CountSummary s = new Check.CountSummary();
                    while (it.hasNext()) {
                      Tuple2<String, Long> t = it.next();
                      s.add(t._1(), t._2());
                    }
                    return Collections.singletonList(s).iterator();
                  })
              .collect();
      members = Check.CountSummary.merge(partials).jsonMembers();
    } else if (op.equals("group")) {
      List<Groups> partials =
          records
              .groupByKey(outParts)
              .mapPartitions(
                  it -> {
                    Groups g = new Groups();
                    while (it.hasNext()) {
                      Tuple2<String, Iterable<Long>> t = it.next();
                      long size = 0;
                      long sum = 0;
                      for (Long v : t._2()) {
                        size++;
                        sum += v;
                      }
                      g.sizes.add(t._1(), size);
                      g.sums = Check.addChecksum(g.sums, Check.entryHash(Check.keyHash(t._1()), sum));
                    }
                    return Collections.singletonList(g).iterator();
                  })
              .collect();
      List<Check.CountSummary> sizes = new ArrayList<>();
      long sums = 0;
      for (Groups g : partials) {
        sizes.add(g.sizes);
        sums = Check.addChecksum(sums, g.sums);
      }
      members = Check.CountSummary.merge(sizes).jsonMembers() + ",\"sums\":" + sums;
    } else {
      throw new IllegalArgumentException("usage: SkewedAggregation <reduce|group> <input> [in parts] [out parts]");
    }
    String jobSeconds = Check.seconds(t0);
    sc.stop();
    Check.printResult(members + "," + spills.jsonMembers() + ",\"jobSeconds\":" + jobSeconds);
  }
}
