package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import cachegate.engine.Route.Param;
import cachegate.engine.Route.ParamType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parameter types, defaults and required parameters of routes from a routes file. */
class RouteParamsTest {
  private static final Route ITEMS =
      new Route(
          "items",
          "/items",
          UrlTemplate.parse("http://h/items/{id}"),
          List.of(
              param("id", ParamType.STRING, false, true, ""),
              param("lat", ParamType.NUMBER, false, false, ""),
              new Param("delta", ParamType.INTEGER, false, 20, false, "", -100, 100),
              param("sort", ParamType.STRING, true, false, "Name")),
          Set.of());

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "52.520,  52.52",
    "052.5,   52.5",
    "13,      13",
    "13.000,  13",
    "-0.0,    0",
    "-12.50,  -12.5",
    "100.0,   100"
  })
  void numbersAreKeyedCanonically(String raw, String normalised) {
    CacheKey key = ITEMS.key("ns", Map.of("id", List.of("x"), "lat", List.of(raw)));

    assertThat(key.params()).containsEntry("lat", normalised);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"1e3", "0x10", "1.", ".5", "+1", "NaN", "'1,5'", "--1"})
  void numbersInOtherNotationsAreRefused(String raw) {
    assertThat(
            catchThrowable(() -> ITEMS.key("ns", Map.of("id", List.of("x"), "lat", List.of(raw)))))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("'lat' must be a decimal number");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"-007, -7", "-0, 0", "100, 100", "-100, -100", "007, 7", "000, 0", "0, 0", "010, 10"})
  void integersMayBeNegativeWithinTheirBounds(String raw, String normalised) {
    CacheKey key = ITEMS.key("ns", Map.of("id", List.of("x"), "delta", List.of(raw)));

    assertThat(key.params()).containsEntry("delta", normalised);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"101, at most 100", "-101, at least -100", "-, an integer", "1-, an integer"})
  void integersOutsideTheirBoundsAreRefused(String raw, String problem) {
    assertThat(
            catchThrowable(
                () -> ITEMS.key("ns", Map.of("id", List.of("x"), "delta", List.of(raw)))))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(problem);
  }

  @Test
  void aLeftOutParameterWithADefaultSharesTheKeyOfTheDefaultGiven() {
    CacheKey leftOut = ITEMS.key("ns", Map.of("id", List.of("x")));
    CacheKey given = ITEMS.key("ns", Map.of("id", List.of("x"), "sort", List.of("NAME")));

    assertThat(leftOut).isEqualTo(given);
    assertThat(leftOut.params()).containsEntry("sort", "name");
  }

  @Test
  void stringsKeepTheirCaseUnlessTheParameterLowerCasesThem() {
    CacheKey key = ITEMS.key("ns", Map.of("id", List.of(" AbC ")));

    assertThat(key.params()).containsEntry("id", "AbC");
  }

  @Test
  void aRequiredParameterLeftOutIsRefused() {
    assertThat(catchThrowable(() -> ITEMS.key("ns", Map.of("lat", List.of("1")))))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("parameter 'id' is required");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({".", ".."})
  void aDotSegmentCannotFillAnUpstreamPath(String dots) {
    assertThat(catchThrowable(() -> ITEMS.key("ns", Map.of("id", List.of(dots)))))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("'id' must not be");
  }

  @Test
  void aDefaultTheParameterWouldRefuseIsRefusedWhenTheRouteIsBuilt() {
    assertThat(
            catchThrowable(
                () -> new Param("n", ParamType.INTEGER, false, 20, false, "ten", 0, 100)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("'n' must be an integer");
  }

  private static Param param(
      String name, ParamType type, boolean lowercase, boolean required, String defaultValue) {
    return new Param(
        name, type, lowercase, 200, required, defaultValue, Long.MIN_VALUE, Long.MAX_VALUE);
  }
}
