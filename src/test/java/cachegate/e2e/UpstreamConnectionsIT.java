package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How cachegate holds its connections to an upstream: reused while requests follow each other,
 * closed by cachegate once idle for {@code UPSTREAM_KEEP_ALIVE}, before an upstream with a longer
 * idle timeout closes them under a request.
 */
class UpstreamConnectionsIT extends RedisAndUpstream {

  @Test
  void requestsThatFollowEachOtherShareOneConnection() {
    GatewayUnderTest gateway = gateway(new ManualClock());

    for (String country : new String[] {"Germany", "France", "Italy"}) {
      assertThat(gateway.get("/universities?country=" + country).statusCode()).isEqualTo(200);
    }

    assertThat(upstream.clientPorts()).hasSize(3).containsOnly(upstream.clientPorts().get(0));
  }

  @Test
  void aConnectionIdleForTheKeepAliveIsClosedAndTheNextRequestOpensANewOne() throws Exception {
    GatewayUnderTest gateway = gateway(new ManualClock(), Map.of("UPSTREAM_KEEP_ALIVE", "1"));

    gateway.get("/universities?country=Germany");
    Thread.sleep(1_600); // the Vert.x pool's own timer: past 1 s idle plus its 100 ms sweep
    gateway.get("/universities?country=France");

    assertThat(upstream.clientPorts()).hasSize(2).doesNotHaveDuplicates();
  }

  @Test
  void aKeepAliveOfZeroOpensAConnectionPerRequest() {
    GatewayUnderTest gateway = gateway(new ManualClock(), Map.of("UPSTREAM_KEEP_ALIVE", "0"));

    for (String country : new String[] {"Germany", "France", "Italy"}) {
      assertThat(gateway.get("/universities?country=" + country).statusCode()).isEqualTo(200);
    }

    assertThat(upstream.clientPorts()).hasSize(3).doesNotHaveDuplicates();
  }
}
