package cachegate.support;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An API that limits how often it may be called, as paid APIs do: it counts the requests it
 * receives in each calendar second and answers 429 with {@code Retry-After: 1} to each beyond its
 * limit; others get {@code [{"country": <country>}]}. It can state its limit in the IETF draft's
 * {@code RateLimit} and {@code RateLimit-Policy} fields, and can answer the next request with a 429
 * asking to be left alone for a while.
 */
public final class RateLimitedApi implements AutoCloseable {
  private final LoopbackHttp http;
  private final Map<Long, AtomicInteger> perSecond = new ConcurrentHashMap<>();
  private final AtomicInteger tooMany = new AtomicInteger();
  private final List<Long> received = new CopyOnWriteArrayList<>();
  private final int limit;
  private volatile boolean announce;
  private volatile int slack;
  private volatile int pauseNextFor;

  private RateLimitedApi(int limit) {
    this.limit = limit;
    http = LoopbackHttp.serve(this::answer);
  }

  /** Allows {@code limit} requests in each calendar second. */
  public static RateLimitedApi start(int limit) {
    return new RateLimitedApi(limit);
  }

  public String url() {
    return http.url();
  }

  /** States its limit and what is left in every answer. */
  public RateLimitedApi announcing() {
    announce = true;
    return this;
  }

  /**
   * Answers 429 only beyond {@code extra} more than its limit in one second: a budget's window is
   * exact where it is kept (Redis's clock), but calls arrive here a few milliseconds later, by a
   * delay that varies, so a call taken just before a second boundary may arrive just after it.
   */
  public RateLimitedApi tolerating(int extra) {
    slack = extra;
    return this;
  }

  /** Answers the next request with 429 and {@code Retry-After: seconds}, as if overloaded. */
  public void pauseNext(int seconds) {
    pauseNextFor = seconds;
  }

  /** Requests received in each calendar second (epoch second to count). */
  public Map<Long, Integer> perSecond() {
    Map<Long, Integer> counts = new java.util.TreeMap<>();
    perSecond.forEach((second, count) -> counts.put(second, count.get()));
    return counts;
  }

  /** 429s sent because more than the limit arrived in one second. */
  public int tooMany() {
    return tooMany.get();
  }

  /** Requests received in all. */
  public int received() {
    return received.size();
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      long now = System.currentTimeMillis();
      received.add(now);
      long second = now / 1000;
      int count = perSecond.computeIfAbsent(second, s -> new AtomicInteger()).incrementAndGet();
      int pause = pauseNextFor;
      if (pause > 0) {
        pauseNextFor = 0;
        exchange.getResponseHeaders().set("Retry-After", String.valueOf(pause));
        exchange.sendResponseHeaders(429, -1);
        return;
      }
      if (count > limit + slack) {
        tooMany.incrementAndGet();
        exchange.getResponseHeaders().set("Retry-After", "1");
        exchange.sendResponseHeaders(429, -1);
        return;
      }
      if (announce) {
        long reset = Math.max(1, (1000 - now % 1000 + 999) / 1000);
        exchange.getResponseHeaders().set("RateLimit-Policy", "\"second\";q=" + limit + ";w=1");
        exchange
            .getResponseHeaders()
            .set("RateLimit", "\"second\";r=" + (limit - count) + ";t=" + reset);
      }
      String query = String.valueOf(exchange.getRequestURI().getRawQuery());
      byte[] body =
          ("[{\"name\":\"U\",\"query\":\"" + query.replaceAll("[^a-z0-9=&]", "") + "\"}]")
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
