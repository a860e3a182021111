package tspark.bench;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Estimates Pi with 100,000 darts per slice over a range RDD (as Spark's own SparkPi example). */
public final class SparkPi {
  public static void main(String[] args) {
    int slices = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    long n = Math.min(100_000L * slices, Integer.MAX_VALUE);
    JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName("bench-spark-pi"));
    sc.setLogLevel("WARN");
    long inside =
        sc.sc()
            .range(1, n, 1, slices)
            .toJavaRDD()
            .map(
                i -> {
                  double x = Math.random() * 2 - 1;
                  double y = Math.random() * 2 - 1;
                  return x * x + y * y <= 1 ? 1L : 0L;
                })
            .reduce(Long::sum);
    System.out.println("Pi is roughly " + (4.0 * inside / (n - 1)));
    sc.stop();
  }
}
