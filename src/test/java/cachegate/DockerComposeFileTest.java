package cachegate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** docker-compose.yml is safe to copy to a server, and its Redis is set up as the README says. */
class DockerComposeFileTest {
  private static final Path COMPOSE = Path.of("docker-compose.yml");

  /** A "Sizing Redis" heading and what follows it up to the next heading. */
  private static final Pattern SIZING_REDIS =
      Pattern.compile("(?m)^#+ Sizing Redis$[\\s\\S]*?(?=^#+ |\\z)");

  @Test
  void redisIsPublishedOnLoopbackOnlyIfAtAll() throws IOException {
    Map<String, Object> redis = service("redis");

    List<String> ports = strings(redis.getOrDefault("ports", List.of()));

    assertThat(ports).allSatisfy(port -> assertThat(port).startsWith("127.0.0.1:"));
  }

  @Test
  void redisHasAMemoryLimitAndTheEvictionPolicyTheReadmeRecommendsForARedisOfItsOwn()
      throws IOException {
    Map<String, Object> redis = service("redis");

    List<String> command = strings(redis.get("command"));

    assertThat(command).contains("--maxmemory");
    assertThat(command.get(command.indexOf("--maxmemory") + 1)).matches("[1-9][0-9]*(mb|gb)");
    assertThat(command).contains("--maxmemory-policy");
    String policy = command.get(command.indexOf("--maxmemory-policy") + 1);
    assertThat(policy).isIn("allkeys-lru", "allkeys-lfu");
    assertThat(sizingRedisSections())
        .isNotEmpty()
        .allSatisfy(section -> assertThat(section).contains("`" + policy + "`"));
  }

  /** The "Sizing Redis" section of the README or of a page under docs/, wherever it lives. */
  private static List<String> sizingRedisSections() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      docs.filter(page -> page.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    List<String> sections = new ArrayList<>();
    for (Path page : pages) {
      Matcher heading = SIZING_REDIS.matcher(Files.readString(page));
      if (heading.find()) {
        sections.add(heading.group());
      }
    }
    return sections;
  }

  @Test
  void everyImagePulledIsPinnedToAnExactVersion() throws IOException {
    Map<String, Map<String, Object>> services = services();

    services.forEach(
        (name, service) -> {
          if (!service.containsKey("build")) {
            assertThat(String.valueOf(service.get("image")))
                .as("image of service %s", name)
                .matches("[a-z0-9./-]+:[0-9]+\\.[0-9]+\\.[0-9]+(-[a-z0-9.]+)?");
          }
        });
  }

  private static Map<String, Object> service(String name) throws IOException {
    return services().get(name);
  }

  @SuppressWarnings("unchecked") // the YAML's shape is checked by the assertions that use it
  private static Map<String, Map<String, Object>> services() throws IOException {
    Map<String, Object> compose =
        new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(COMPOSE));
    return (Map<String, Map<String, Object>>) compose.get("services");
  }

  private static List<String> strings(Object list) {
    return ((List<?>) list).stream().map(String::valueOf).toList();
  }
}
