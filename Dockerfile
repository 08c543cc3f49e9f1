# fhir-adapter container image: Debian 12, multi-stage.
#   build:   the toolchain and -dev packages; compiles build/fhir-adapter (no tests, no benchmarks)
#   runtime: the stripped binary, its shared libraries (Debian packages), fhir-mappings/,
#            CA certificates and busybox (for the HEALTHCHECK probe only); runs as uid 10001
#
#   docker build -t fhir-adapter .
#   docker run -d --name fhir-adapter \
#     -v /srv/fhir-adapter/adapter.toml:/etc/fhir-adapter/adapter.toml:ro \
#     -v /srv/fhir-adapter/subjects.csv:/etc/fhir-adapter/subjects.csv:ro \
#     -v /srv/fhir-adapter/secrets:/etc/fhir-adapter/secrets:ro \
#     -v /srv/fhir-adapter/certs:/etc/fhir-adapter/certs:ro \
#     -v fhir-adapter-state:/var/lib/fhir-adapter \
#     -v fhir-adapter-audit:/var/lib/fhir-adapter/audit \
#     -p 127.0.0.1:9464:9464 fhir-adapter
#
# The mounted adapter.toml must set [http] listen = "0.0.0.0:9464" for /metrics to be reachable
# from outside the container (the HEALTHCHECK probes 127.0.0.1:9464 inside it either way).
# Without a registry (this repository's own check): scripts/container-build.sh builds it with
# buildah on a base image made by debootstrap, passing --build-arg BASE_IMAGE=localhost/debian:bookworm.

ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ca-certificates \
      rapidjson-dev libboost1.81-dev libboost-url1.81-dev libssl-dev \
      libspdlog-dev libfmt-dev libsqlite3-dev libcli11-dev libtomlplusplus-dev libsystemd-dev \
      libhowardhinnant-date-dev tzdata libsimdjson-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY adapter/ adapter/
COPY fhir-mappings/ fhir-mappings/
ARG BUILD_JOBS=2
# The compiler flags the tests run with (RelWithDebInfo), debug info stripped afterwards.
# Warnings do not fail a packaging build (FHIR_ADAPTER_WERROR=OFF); CI builds with -Werror.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DFHIR_ADAPTER_BUILD_TESTS=OFF -DFHIR_ADAPTER_BUILD_BENCH=OFF -DFHIR_ADAPTER_WERROR=OFF \
 && cmake --build /build -j "${BUILD_JOBS}" \
 && strip --strip-unneeded -o /fhir-adapter /build/fhir-adapter \
 && /fhir-adapter --help >/dev/null

FROM ${BASE_IMAGE} AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# Shared libraries of the binary (ldd): OpenSSL 3, SQLite, Boost.URL, spdlog, fmt, toml++ (Debian
# builds it as a library), libsystemd; libstdc++ is in the base image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libssl3 libsqlite3-0 libboost-url1.81.0 libspdlog1.10 libfmt9 libtomlplusplus3 libsystemd0 \
      libdate-tz3 libsimdjson14 tzdata \
      busybox \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && groupadd --system --gid 10001 fhir-adapter \
 && useradd --system --uid 10001 --gid fhir-adapter --no-create-home \
      --home-dir /var/lib/fhir-adapter --shell /usr/sbin/nologin fhir-adapter \
 && install -d -o fhir-adapter -g fhir-adapter -m 0750 /var/lib/fhir-adapter /var/lib/fhir-adapter/audit \
 && install -d -m 0755 /etc/fhir-adapter /etc/fhir-adapter/certs /usr/share/doc/fhir-adapter
COPY --from=build /fhir-adapter /usr/bin/fhir-adapter
COPY fhir-mappings/ /usr/share/fhir-adapter/fhir-mappings/
COPY deploy/adapter.toml /usr/share/doc/fhir-adapter/adapter.toml.example

USER 10001:10001
WORKDIR /var/lib/fhir-adapter
# The store ([store] path) and the audit directory ([audit] dir), as in deploy/adapter.toml, and
# the TLS material. Configuration (adapter.toml, subjects.csv, secrets/) is mounted read-only.
VOLUME ["/var/lib/fhir-adapter", "/var/lib/fhir-adapter/audit", "/etc/fhir-adapter/certs"]
# 9464: health and metrics ([http] listen); 8443: the subscription receiver ([callback] listen).
EXPOSE 9464 8443
# No shell and no curl: busybox's wget exits non-zero unless /healthz answers 2xx; --timeout
# bounds it (busybox 1.35's own `wget -T` crashes with SIGSEGV: not used).
# Keep the port in step with [http] listen.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9464/healthz"]
# Exec form: fhir-adapter is PID 1 and receives SIGTERM (finish the page, commit, exit 0) and
# SIGHUP (reload mappings and roster) directly; it starts no child processes.
ENTRYPOINT ["/usr/bin/fhir-adapter"]
CMD ["run", "--config", "/etc/fhir-adapter/adapter.toml"]
