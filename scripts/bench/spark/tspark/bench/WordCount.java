package tspark.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/** textFile -> flatMap (split on ASCII whitespace) -> mapToPair -> reduceByKey -> per-partition summary. */
public final class WordCount {
  private static final Pattern WHITESPACE = Pattern.compile("[ \\t\\n\\x0B\\f\\r]+");

  public static void main(String[] args) {
    String input = args[0];
    int parts = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName("bench-word-count"));
    sc.setLogLevel("WARN");
    long t0 = System.nanoTime();
    List<Check.CountSummary> partials =
        sc.textFile(input, parts)
            .flatMap(
                line -> {
                  List<String> words = new ArrayList<>();
                  for (String w : WHITESPACE.split(line)) if (!w.isEmpty()) words.add(w);
                  return words.iterator();
                })
            .mapToPair(w -> new Tuple2<>(w, 1))
            .reduceByKey(Integer::sum)
            .mapPartitions(
                it -> {
                  Check.CountSummary s = new Check.CountSummary();
                  while (it.hasNext()) {
                    Tuple2<String, Integer> t = it.next();
                    s.add(t._1(), t._2());
                  }
                  return Collections.singletonList(s).iterator();
                })
            .collect();
    String jobSeconds = Check.seconds(t0);
    sc.stop();
    Check.printResult(Check.CountSummary.merge(partials).jsonMembers() + ",\"jobSeconds\":" + jobSeconds);
  }
}
