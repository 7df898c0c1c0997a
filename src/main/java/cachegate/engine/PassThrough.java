package cachegate.engine;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An upstream answer fetched for this request and passed on to its client as it arrives, never
 * stored: larger than the route's {@code maxEntryBytes}, or the process had no memory free to
 * gather it ({@link UpstreamBody.Streamed#reason()}).
 *
 * @param key the cache key the request asked for
 * @param outcome {@link CacheOutcome#MISS} or {@link CacheOutcome#REVALIDATED}
 * @param status the upstream's status
 * @param contentType the upstream's media type
 * @param body the body, to be read once or discarded
 * @param headers upstream headers to send on as they are (see {@link CacheResult#passThrough()})
 */
public record PassThrough(
    CacheKey key,
    CacheOutcome outcome,
    int status,
    String contentType,
    UpstreamBody.Streamed body,
    List<Map.Entry<String, String>> headers)
    implements Answer {
  public PassThrough {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    headers = List.copyOf(headers);
  }
}
