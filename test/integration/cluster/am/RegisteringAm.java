import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.AMRMClient;
import org.apache.hadoop.yarn.client.api.AMRMClient.ContainerRequest;
import org.apache.hadoop.yarn.conf.YarnConfiguration;

/**
 * The smallest ApplicationMaster that completes properly: register with the
 * ResourceManager, say hello, unregister as SUCCEEDED. YARN marks an AM that
 * exits without unregistering as FAILED, so a shell AM can never reach
 * SUCCEEDED; this one proves the REST-submit -> register -> unregister path.
 * Run inside the container with Java's single-file source launcher
 * (`java RegisteringAm.java`), so nothing is compiled ahead of time. It finds
 * its AMRMToken through HADOOP_TOKEN_FILE_LOCATION, as every AM does.
 */
public class RegisteringAm {
  public static void main(String[] args) throws Exception {
    System.out.println("hello-from-am " + System.getenv("CONTAINER_ID"));
    AMRMClient<ContainerRequest> rm = AMRMClient.createAMRMClient();
    rm.init(new YarnConfiguration());
    rm.start();
    rm.registerApplicationMaster("", 0, "");
    System.out.println("registered");
    rm.unregisterApplicationMaster(FinalApplicationStatus.SUCCEEDED, "registering-am finished", "");
    System.out.println("unregistered");
    rm.stop();
  }
}
