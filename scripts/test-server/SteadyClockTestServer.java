// Compiled by scripts/tools.ts (`ensureTestServer`) against io.temporal:temporal-test-server and
// started by the tools cache's `temporal-test-server` wrapper with the SDK's arguments.
//
// The time-skipping test server as `io.temporal.testserver.TestServer` starts it, with one change:
// its clock. Stock, the server's time advances, while time skipping is locked, by the machine's wall
// clock (`Clock.systemDefaultZone()`), so a step of that clock — a virtual machine resumed after a
// pause and set to the right date, an NTP correction — moves every test's time by the same step:
// timers fire days early, and a test between two sleeps sees its deadlines already past. Here the
// wall time is read once, at the start, and advances by the monotonic clock after it.
//
// It lives in the server's package because the classes it wires together (the timer, the stores
// and the three gRPC services) are package-private; it uses only their constructors.
package io.temporal.internal.testservice;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;

public final class SteadyClockTestServer {
  private SteadyClockTestServer() {}

  /** The wall time at the start, advanced by the monotonic clock since: no step moves it. */
  static final class SteadyClock extends Clock {
    private final long startMillis = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();

    @Override
    public long millis() {
      return startMillis + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  /** `<port> [--enable-time-skipping]`, as the SDKs start `TestServer`. */
  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 2 || (args.length == 2 && !"--enable-time-skipping".equalsIgnoreCase(args[1]))) {
      System.err.println("usage: <port> [--enable-time-skipping]");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    // As TestServer: without the flag, time skipping starts locked (the SDKs unlock it while they sleep).
    boolean lockTimeSkipping = args.length == 1;

    SelfAdvancingTimerImpl timer = new SelfAdvancingTimerImpl(0, new SteadyClock());
    TestVisibilityStore visibility = new TestVisibilityStoreImpl();
    TestNexusEndpointStore nexusEndpoints = new TestNexusEndpointStoreImpl();
    TestWorkflowStore workflows = new TestWorkflowStoreImpl(timer);
    TestOperatorService operator = new TestOperatorService(visibility, nexusEndpoints);
    TestService test = new TestService(workflows, timer, lockTimeSkipping);
    TestWorkflowService workflowService = new TestWorkflowService(workflows, visibility, nexusEndpoints, timer);

    ServerBuilder<?> builder = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(List.of(operator, test, workflowService), builder);
    Server server = builder.build().start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.shutdownNow();
                  workflowService.close();
                  operator.close();
                  test.close();
                  visibility.close();
                }));
    server.awaitTermination();
  }
}
