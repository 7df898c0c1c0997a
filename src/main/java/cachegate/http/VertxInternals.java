package cachegate.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * The one class of this package that uses Vert.x's internal API ({@code io.vertx.core.internal},
 * {@code io.vertx.core.net.impl}), which any Vert.x release may change: confined here, an upgrade
 * touches one file. Vert.x 5's public API offers neither of the two things taken from it.
 */
final class VertxInternals {
  private VertxInternals() {}

  /**
   * A Vert.x buffer over {@code bytes}, without copying them (the public {@code Buffer.buffer}
   * copies): stored bodies are written as they are kept, and a passed-on chunk as it arrived.
   */
  static Buffer buffer(ByteBuf bytes) {
    return BufferInternal.buffer(bytes);
  }

  /**
   * The Netty channel under an HTTP connection Vert.x has just accepted, whose pipeline holds the
   * connection to the client limits ({@link ClientConnections}).
   */
  static Channel channel(HttpConnection connection) {
    return ((ConnectionBase) connection).channel();
  }
}
