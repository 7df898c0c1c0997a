# cachegate container image.
#
#   docker build -t cachegate .
#   docker run --rm -p 5000:5000 --env-file .env cachegate
#
# Stage 1 builds the shaded jar with the committed Maven wrapper, so the image uses the same Maven version as a
# developer's `./mvnw`. Stage 2 is a JRE-only runtime that runs as a non-root user.

# ---------------------------------------------------------------------------------------------------------------
# Stage 1: build
# ---------------------------------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jdk AS build
WORKDIR /build

# Copy only the build definition first so that downloading Maven and the dependencies is a cached layer that is
# rebuilt only when pom.xml or the wrapper changes, not on every source edit.
COPY pom.xml mvnw ./
COPY .mvn/ .mvn/
# The executable bit can be lost on checkouts from some systems; set it rather than rely on it.
RUN chmod +x mvnw && ./mvnw -B -q dependency:go-offline

COPY src/ src/
# -DskipTests skips running the tests (they need a redis-server binary); the test sources are still compiled.
# No -o: go-offline does not resolve every plugin dependency, so package may still fetch a few artifacts.
# -DskipCds: the class-data archive must name the jar where it runs, so the runtime stage makes its own.
RUN ./mvnw -B -q -DskipTests -DskipCds package

# ---------------------------------------------------------------------------------------------------------------
# Stage 2: runtime
# ---------------------------------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

# The HEALTHCHECK uses curl. The Ubuntu-based Temurin images currently ship curl ("for historical reasons",
# adoptium/containers#255), so this is normally a no-op; it installs curl only if a future base image drops it.
RUN if ! command -v curl >/dev/null 2>&1; then \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl \
      && rm -rf /var/lib/apt/lists/*; \
    fi

# Fixed, non-root uid/gid (10001) so file ownership and Kubernetes runAsUser settings are predictable.
RUN groupadd --gid 10001 cachegate \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cachegate

WORKDIR /app
# Owned by root and read-only to the app user: the service writes nothing to /app (Vert.x's file cache goes to
# java.io.tmpdir, i.e. /tmp, and the identity files to /tmp/cachegate, CACHE_LOCAL_DISK_DIR).
COPY --from=build /build/target/cachegate.jar /app/target/cachegate.jar
# The launcher and the JVM flags of every launch (the README's too): heap, collector, exit on OutOfMemoryError.
COPY jvm.options /app/jvm.options
COPY bin/cachegate /app/bin/cachegate
# The example routes file: CACHEGATE_ROUTES=/app/examples/routes.yml serves its routes (its two keyed routes need
# GITHUB_TOKEN and OPENWEATHER_API_KEY set, or cachegate stops at start naming the one missing), or mount your own.
COPY examples/routes.yml /app/examples/routes.yml
# A class-data sharing archive for this jar at this path, from a short training run on loopback (it starts
# cachegate, sends it a few requests and exits): the JVM then maps these classes instead of loading and
# verifying them at every start, which roughly halves start-up.
# (The launcher's executable bit can be lost on checkouts from some systems: set it.)
RUN chmod 0755 /app/bin/cachegate \
    && java -XX:ArchiveClassesAtExit=/app/target/cachegate.jsa -Xlog:cds=off -Xlog:cds+dynamic=off \
        -cp /app/target/cachegate.jar cachegate.CdsTraining

USER 10001:10001
EXPOSE 5000

# bin/cachegate starts java with jvm.options (a capped heap: by default the JVM takes 1/4 of the container's memory
# limit; SerialGC; exit on OutOfMemoryError, so that the restart policy replaces a JVM that is out of memory instead
# of leaving it half-working), maps the archive made above, and adds JAVA_OPTS after it: set it at run time to add or
# override flags (the last one wins), e.g. -Xmx160m with a larger CACHE_LOCAL_MAX_BYTES. It execs java, which is
# then PID 1 and receives SIGTERM from `docker stop` to shut down cleanly; arguments to `docker run` are passed on.
ENV JAVA_OPTS=""
ENTRYPOINT ["/app/bin/cachegate"]

# PORT defaults to 5000 in the application; follow it if it is overridden.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT:-5000}/health" || exit 1
