package tspark.bench;

import java.util.Collections;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** One job of N empty tasks after a small warm-up job. */
public final class EmptyTasks {
  public static void main(String[] args) {
    int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName("bench-empty-tasks"));
    sc.setLogLevel("WARN");
    sc.parallelize(Collections.<Integer>emptyList(), 2).count();
    long t0 = System.nanoTime();
    long count = sc.parallelize(Collections.<Integer>emptyList(), tasks).count();
    String jobSeconds = Check.seconds(t0);
    sc.stop();
    Check.printResult("\"tasks\":" + tasks + ",\"count\":" + count + ",\"jobSeconds\":" + jobSeconds);
  }
}
