package cachegate.http;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.ResponseBody;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdentityCopiesTest {
  private static final ResponseBody GERMANY = body("[{\"name\":\"TU Berlin\"}]");
  private static final ResponseBody FRANCE = body("[{\"name\":\"Sorbonne\"}]");

  @Test
  void aCopyHoldsTheIdentityBytesOfAGzipOnlyBody() {
    IdentityCopies copies = new IdentityCopies(1024);
    ResponseBody gzipOnly = ResponseBody.fromCheckedGzip(GERMANY.gzip(), GERMANY.etag());

    ByteBuf copy = copies.claim(gzipOnly).orElseThrow();

    assertThat(ByteBufUtil.getBytes(copy)).isEqualTo(GERMANY.identity());
    assertThat(copy.isDirect()).isTrue();
    assertThat(gzipOnly.holdsIdentity()).isFalse();
    copy.release();
  }

  @Test
  void aSecondClaimWritesTheSameCopy() {
    IdentityCopies copies = new IdentityCopies(1024);

    ByteBuf first = copies.claim(GERMANY).orElseThrow();
    ByteBuf second = copies.claim(GERMANY).orElseThrow();

    assertThat(second).isSameAs(first);
    assertThat(copies.bytes()).isEqualTo(GERMANY.identityLength());
    first.release();
    second.release();
  }

  @Test
  void copiesAreAddressedByTheEntityTagSoABodyNeverGetsAnotherBodysBytes() {
    IdentityCopies copies = new IdentityCopies(1024);

    ByteBuf germany = copies.claim(GERMANY).orElseThrow();
    ByteBuf france = copies.claim(FRANCE).orElseThrow();

    assertThat(ByteBufUtil.getBytes(france)).isEqualTo(FRANCE.identity());
    assertThat(ByteBufUtil.getBytes(germany)).isEqualTo(GERMANY.identity());
    germany.release();
    france.release();
  }

  @Test
  void noCopyIsMadeBeyondTheBound() {
    IdentityCopies copies = new IdentityCopies(GERMANY.identityLength() + 1);
    copies.claim(GERMANY).orElseThrow().release();

    Optional<ByteBuf> france = copies.claim(FRANCE);

    assertThat(france).isEmpty();
    assertThat(copies.bytes()).isEqualTo(GERMANY.identityLength());
  }

  @Test
  void aBoundOfZeroMakesNoCopies() {
    IdentityCopies copies = IdentityCopies.none();

    assertThat(copies.claim(GERMANY)).isEmpty();
    assertThat(copies.bytes()).isZero();
  }

  @Test
  void closingFreesEveryCopyNotBeingWritten() {
    IdentityCopies copies = new IdentityCopies(1024);
    copies.claim(GERMANY).orElseThrow().release();
    copies.claim(FRANCE).orElseThrow().release();

    copies.close();

    assertThat(copies.bytes()).isZero();
    assertThat(copies.count()).isZero();
  }

  @Test
  void aCopyDroppedWhileBeingWrittenIsFreedOnlyOnceTheWriteIsDone() {
    IdentityCopies copies = new IdentityCopies(1024);
    ByteBuf beingWritten = copies.claim(GERMANY).orElseThrow();

    copies.close();

    assertThat(beingWritten.refCnt()).isEqualTo(1);
    assertThat(ByteBufUtil.getBytes(beingWritten)).isEqualTo(GERMANY.identity());
    assertThat(copies.bytes()).isEqualTo(GERMANY.identityLength());
    beingWritten.release();
    assertThat(copies.bytes()).isZero();
  }

  @Test
  void aClaimAfterTheCopyWasDroppedMakesANewOne() {
    IdentityCopies copies = new IdentityCopies(1024);
    ByteBuf first = copies.claim(GERMANY).orElseThrow();
    first.release();
    copies.close();

    ByteBuf second = copies.claim(GERMANY).orElseThrow();

    assertThat(second).isNotSameAs(first);
    assertThat(ByteBufUtil.getBytes(second)).isEqualTo(GERMANY.identity());
    second.release();
    copies.close();
    assertThat(copies.bytes()).isZero();
  }

  @Test
  void aCopyNotAskedForDuringTheIdleTimeIsFreed() {
    AtomicLong nanos = new AtomicLong();
    IdentityCopies copies = new IdentityCopies(1024, nanos::get);
    copies.claim(GERMANY).orElseThrow().release();
    nanos.addAndGet(IdentityCopies.IDLE.toNanos() / 2);
    copies.claim(FRANCE).orElseThrow().release();

    nanos.addAndGet(IdentityCopies.IDLE.toNanos() / 2 + 1);

    assertThat(copies.count()).isOne();
    assertThat(copies.bytes()).isEqualTo(FRANCE.identityLength());
  }

  private static ResponseBody body(String json) {
    return ResponseBody.of(json.getBytes(StandardCharsets.UTF_8));
  }
}
