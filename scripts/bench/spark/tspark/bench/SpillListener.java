package tspark.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/** Counts the tasks that spilled and the bytes they spilled to disk (read after sc.stop(), which drains the bus). */
public final class SpillListener extends SparkListener {
  public final AtomicLong spillingTasks = new AtomicLong();
  public final AtomicLong diskBytesSpilled = new AtomicLong();

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    TaskMetrics m = taskEnd.taskMetrics();
    if (m == null) return;
    if (m.diskBytesSpilled() > 0) spillingTasks.incrementAndGet();
    diskBytesSpilled.addAndGet(m.diskBytesSpilled());
  }

  public String jsonMembers() {
    return "\"spills\":" + spillingTasks.get() + ",\"spillBytes\":" + diskBytesSpilled.get();
  }
}
