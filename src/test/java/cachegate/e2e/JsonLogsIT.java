package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.FakeUniversitiesApi;
import cachegate.support.LaunchedGateway;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code LOG_FORMAT=json} on the jar launched as the README launches it: every line it writes, the
 * start line, warnings and the access log, is one JSON object.
 */
class JsonLogsIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void everyLineIsOneJsonObjectAndAccessLinesCarryTheirFields(@TempDir Path directory)
      throws Exception {
    try (FakeUniversitiesApi upstream = FakeUniversitiesApi.start();
        LaunchedGateway gateway =
            LaunchedGateway.start(
                Map.of(
                    "PORT",
                    String.valueOf(freePort()),
                    "LOG_FORMAT",
                    "json",
                    "UNIVERSITIES_API_URL",
                    upstream.url(),
                    // A warning at start: a Redis timeout without a unit.
                    "CACHE_REDIS_TIMEOUT",
                    "100"),
                directory)) {
      gateway.awaitUp(HTTP, Duration.ofSeconds(30));
      HttpResponse<String> answer =
          HTTP.send(
              HttpRequest.newBuilder(gateway.uri("/universities?country=Germany"))
                  .header("X-Request-Id", "json-logs-1")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(200);

      await().until(() -> Files.readString(gateway.log()).contains("json-logs-1"));
      List<JsonObject> lines =
          Files.readAllLines(gateway.log()).stream().map(JsonLogsIT::parsed).toList();

      assertThat(lines)
          .allSatisfy(
              line -> {
                assertThat(line.getLong("timestamp")).isPositive();
                assertThat(line.getString("level")).isNotBlank();
                assertThat(line.getString("loggerName")).isNotBlank();
                assertThat(line.getString("formattedMessage")).isNotBlank();
              });
      assertThat(lines)
          .anySatisfy(
              line ->
                  assertThat(line.getString("formattedMessage"))
                      .startsWith("cachegate listening on port"))
          .anySatisfy(line -> assertThat(line.getString("level")).isEqualTo("WARN"));
      JsonObject access =
          lines.stream()
              .filter(line -> line.getString("loggerName").equals("cachegate.access"))
              .filter(line -> line.encode().contains("/universities"))
              .findFirst()
              .orElseThrow();
      assertThat(fields(access))
          .containsEntry("method", "GET")
          .containsEntry("path", "/universities?country=Germany")
          .containsEntry("status", "200")
          .containsEntry("outcome", "MISS")
          .containsEntry("requestId", "json-logs-1")
          .containsKey("durationMs");
    }
  }

  private static JsonObject parsed(String line) {
    try {
      return new JsonObject(line);
    } catch (DecodeException e) {
      throw new AssertionError("not one JSON object: " + line, e);
    }
  }

  /** The key-value pairs of an event, which logback writes as a list of one-entry objects. */
  private static Map<String, Object> fields(JsonObject line) {
    JsonObject fields = new JsonObject();
    line.getJsonArray("kvpList").forEach(pair -> fields.mergeIn((JsonObject) pair));
    return fields.getMap();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
