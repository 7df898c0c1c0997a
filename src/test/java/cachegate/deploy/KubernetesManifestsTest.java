package cachegate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.config.ConfigLoader;
import cachegate.config.GatewayConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/kubernetes/} read into Kubernetes' own types: every field is one Kubernetes knows,
 * the probes, ports and references agree with each other and with cachegate, and the configuration
 * the Deployment gives cachegate (its variables, the Secret's values, the ConfigMap's routes file)
 * is one cachegate starts with.
 */
class KubernetesManifestsTest {
  private static final Path MANIFESTS = Path.of("deploy", "kubernetes");
  private static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.of(
          "Deployment", Deployment.class,
          "Service", Service.class,
          "ConfigMap", ConfigMap.class,
          "Secret", Secret.class,
          "PodDisruptionBudget", PodDisruptionBudget.class);
  private static final ObjectMapper YAML = new YAMLMapper();

  private final List<HasMetadata> resources = read();
  private final Deployment deployment = only(Deployment.class);
  private final PodSpec pod = deployment.getSpec().getTemplate().getSpec();
  private final Container container = pod.getContainers().get(0);

  @Test
  void everyFieldIsOneKubernetesKnows() {
    for (HasMetadata resource : resources) {
      assertThat(unknownFields(resource, "", new IdentityHashMap<>()))
          .as(resource.getKind() + " " + resource.getMetadata().getName())
          .isEmpty();
    }
  }

  @Test
  void twoReplicasRunAsNonRootOnAReadOnlyFileSystemWithAWritableTmp() {
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getVolumeMounts())
        .anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/tmp"));
  }

  @Test
  void probesAskHealthAndReadyOnThePortCachegateListensOn() {
    String port = container.getPorts().get(0).getName();
    int containerPort = container.getPorts().get(0).getContainerPort();

    assertThat(String.valueOf(containerPort)).isEqualTo(literalEnv().get("PORT"));
    assertProbe(container.getLivenessProbe().getHttpGet(), "/health", port);
    assertProbe(container.getStartupProbe().getHttpGet(), "/health", port);
    assertProbe(container.getReadinessProbe().getHttpGet(), "/ready", port);
    Service service = only(Service.class);
    assertThat(service.getSpec().getPorts().get(0).getTargetPort().getStrVal()).isEqualTo(port);
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(podLabels)
        .containsAllEntriesOf(
            only(PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels());
  }

  @Test
  void stoppingLetsTheLoadBalancerDrainThenCachegateFinishItsRequests() {
    assertThat(container.getLifecycle().getPreStop().getExec().getCommand())
        .containsExactly("sleep", "5");
    // preStop, then cachegate's own grace for requests in flight (10 s), within the pod's grace.
    assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(5 + 10 + 5);
  }

  @Test
  void memoryMatchesWhatTheDocumentationPromises() {
    Map<String, Quantity> requests = container.getResources().getRequests();
    Map<String, Quantity> limits = container.getResources().getLimits();
    long mebibyte = 1024 * 1024;

    // The process stays within 256 MiB of RSS under load (docs/operations.md, HostileLoadIT).
    assertThat(Quantity.getAmountInBytes(requests.get("memory")).longValue())
        .isEqualTo(256 * mebibyte);
    assertThat(Quantity.getAmountInBytes(limits.get("memory")).longValue())
        .isGreaterThan(256 * mebibyte);
  }

  @Test
  void everyVariableIsOneCachegateReadsAndEveryReferenceExists() {
    Set<String> known =
        ConfigLoader.VARIABLES.stream()
            .map(ConfigLoader.Variable::name)
            .collect(Collectors.toSet());
    Matcher references = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}").matcher(routes());
    while (references.find()) {
      known.add(references.group(1));
    }

    for (EnvVar variable : container.getEnv()) {
      assertThat(known)
          .as("variables cachegate or its routes file reads")
          .contains(variable.getName());
      if (variable.getValueFrom() != null) {
        var key = variable.getValueFrom().getSecretKeyRef();
        assertThat(only(Secret.class).getMetadata().getName()).isEqualTo(key.getName());
        assertThat(only(Secret.class).getStringData()).containsKey(key.getKey());
      }
    }
    String routesVolume =
        pod.getVolumes().stream()
            .filter(volume -> volume.getConfigMap() != null)
            .findFirst()
            .orElseThrow()
            .getConfigMap()
            .getName();
    assertThat(only(ConfigMap.class).getMetadata().getName()).isEqualTo(routesVolume);
  }

  @Test
  void cachegateStartsWithTheConfigurationTheDeploymentGivesIt(@TempDir Path mounted)
      throws IOException {
    Map<String, String> env = new HashMap<>(literalEnv());
    Secret secret = only(Secret.class);
    for (EnvVar variable : container.getEnv()) {
      if (variable.getValueFrom() != null) {
        String key = variable.getValueFrom().getSecretKeyRef().getKey();
        env.put(variable.getName(), secret.getStringData().get(key));
      }
    }
    String routesPath = env.get("CACHEGATE_ROUTES");
    String mountPath =
        container.getVolumeMounts().stream()
            .filter(mount -> routesPath.startsWith(mount.getMountPath() + "/"))
            .findFirst()
            .orElseThrow()
            .getMountPath();
    for (Map.Entry<String, String> file : only(ConfigMap.class).getData().entrySet()) {
      Files.writeString(mounted.resolve(file.getKey()), file.getValue());
    }
    env.put(
        "CACHEGATE_ROUTES",
        mounted.resolve(routesPath.substring(mountPath.length() + 1)).toString());

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.server().port()).isEqualTo(5000);
    assertThat(config.cacheType().isRedis()).isTrue();
    assertThat(config.admin()).isPresent();
    assertThat(config.routes())
        .extracting(route -> route.route().name())
        .containsExactly("universities", "github-repos");
  }

  /** The routes files the ConfigMap holds, together. */
  private String routes() {
    return String.join("\n", only(ConfigMap.class).getData().values());
  }

  private Map<String, String> literalEnv() {
    return container.getEnv().stream()
        .filter(variable -> variable.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  private static void assertProbe(HTTPGetAction probe, String path, String port) {
    assertThat(probe.getPath()).isEqualTo(path);
    assertThat(probe.getPort().getStrVal()).isEqualTo(port);
  }

  private <T extends HasMetadata> T only(Class<T> kind) {
    List<T> found = resources.stream().filter(kind::isInstance).map(kind::cast).toList();
    assertThat(found).as(kind.getSimpleName() + "s in " + MANIFESTS).hasSize(1);
    return found.get(0);
  }

  /** Every document of every manifest, read as the type its {@code kind} names. */
  private static List<HasMetadata> read() {
    List<HasMetadata> read = new ArrayList<>();
    try (Stream<Path> files = Files.list(MANIFESTS)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        var parser = new YAMLFactory().createParser(file.toFile());
        for (JsonNode document : YAML.readValues(parser, JsonNode.class).readAll()) {
          Class<? extends HasMetadata> type = KINDS.get(document.path("kind").asText());
          assertThat(type).as(file + ": kind " + document.path("kind")).isNotNull();
          read.add(YAML.treeToValue(document, type));
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read " + MANIFESTS, e);
    }
    return read;
  }

  /**
   * The paths of fields the model did not know: it keeps them aside in {@code additionalProperties}
   * rather than refusing them, so a misspelt field would go unnoticed.
   */
  private static List<String> unknownFields(Object model, String path, Map<Object, Object> seen) {
    List<String> unknown = new ArrayList<>();
    if (model == null || seen.put(model, model) != null) {
      return unknown;
    }
    if (model instanceof Collection<?> items) {
      items.forEach(item -> unknown.addAll(unknownFields(item, path + "[]", seen)));
      return unknown;
    }
    if (model instanceof Map<?, ?> entries) {
      entries.forEach((key, value) -> unknown.addAll(unknownFields(value, path + "." + key, seen)));
      return unknown;
    }
    if (!model.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
      return unknown;
    }
    for (Method getter : model.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get")
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value = invoke(getter, model);
      if (getter.getName().equals("getAdditionalProperties")) {
        ((Map<?, ?>) value).keySet().forEach(field -> unknown.add(path + "." + field));
      } else {
        unknown.addAll(unknownFields(value, path + "." + getter.getName().substring(3), seen));
      }
    }
    return unknown;
  }

  private static Object invoke(Method getter, Object model) {
    try {
      return getter.invoke(model);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new AssertionError("cannot read " + getter, e);
    }
  }
}
