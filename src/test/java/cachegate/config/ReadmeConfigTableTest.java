package cachegate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's configuration table lists exactly the variables ConfigLoader reads. */
class ReadmeConfigTableTest {
  private static final Pattern ROW = Pattern.compile("^\\| `([A-Z_]+)` \\| `([^`]*)` \\|");

  @Test
  void readmeTableListsEveryVariableWithItsDefault() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    String section = readme.substring(readme.indexOf("## Configuration"));
    section = section.substring(0, section.indexOf("\n## ", 1));

    Map<String, String> documented = new LinkedHashMap<>();
    for (String line : section.lines().toList()) {
      Matcher row = ROW.matcher(line);
      if (row.find()) {
        documented.put(row.group(1), row.group(2));
      }
    }

    assertThat(documented)
        .isEqualTo(
            ConfigLoader.VARIABLES.stream()
                .collect(
                    Collectors.toMap(
                        ConfigLoader.Variable::name,
                        ConfigLoader.Variable::defaultValue,
                        (a, b) -> a,
                        LinkedHashMap::new)));
  }

  @Test
  void envExampleNamesOnlyKnownVariables() throws IOException {
    var known = ConfigLoader.VARIABLES.stream().map(ConfigLoader.Variable::name).toList();

    var named =
        Files.readAllLines(Path.of(".env.example")).stream()
            .map(line -> line.replaceFirst("^#", ""))
            .filter(line -> line.matches("[A-Z_]+=.*"))
            .map(line -> line.substring(0, line.indexOf('=')))
            .toList();

    assertThat(known).containsAll(named);
    assertThat(named).containsAll(known);
  }
}
