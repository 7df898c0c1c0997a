package cachegate.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Settings that name one constant of an enum by its lower-case word, e.g. {@code gzip}. */
final class Words {
  private Words() {}

  /**
   * The constant of {@code type} whose name, lower-cased, is {@code value} (trimmed, any case).
   *
   * @throws ConfigException naming {@code name}, the accepted words and the value, if none is
   */
  static <E extends Enum<E>> E parse(String name, String value, Class<E> type) {
    String word = value.strip().toLowerCase(Locale.ROOT);
    E[] constants = type.getEnumConstants();
    for (E constant : constants) {
      if (word(constant).equals(word)) {
        return constant;
      }
    }
    String accepted =
        Arrays.stream(constants, 0, constants.length - 1)
                .map(Words::word)
                .collect(Collectors.joining(", "))
            + " or "
            + word(constants[constants.length - 1]);
    throw new ConfigException(name + " must be " + accepted + ", was '" + value + "'");
  }

  private static String word(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT);
  }
}
