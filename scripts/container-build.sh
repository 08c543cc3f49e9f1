#!/usr/bin/env bash
# Builds the container image from ./Dockerfile on a Debian 12 machine that reaches no container
# registry, then runs it and checks it. As root. The steps (README "Container"):
#   1. apt-get install buildah podman debootstrap (Debian packages)
#   2. base image localhost/debian:bookworm made here: debootstrap --variant=minbase bookworm,
#      made like debian:bookworm-slim (apt sources bookworm, -updates, -security; no docs, man
#      pages or locales; no apt caches), then
#      `tar -C ROOTFS -c . | podman import - localhost/debian:bookworm` (skipped when present)
#   3. buildah bud --isolation chroot --format docker --layers
#        --build-arg BASE_IMAGE=localhost/debian:bookworm -t localhost/fhir-adapter:dev .
#      (--format docker: the OCI format has no HEALTHCHECK)
#   4. smoke test (skipped with --build-only): in a network namespace of its own (loopback only),
#      start the sandbox FHIR server with the synthetic cohort; run the image with podman, the
#      config and roster mounted read-only, the dev certificates (certs/make-dev-certs.sh) on the
#      certs volume and a state folder owned by uid 10001 on /var/lib/fhir-adapter; wait for
#      /healthz and /readyz; run the image's HEALTHCHECK; count the records (`fhir-adapter records`
#      in the container); `fhir-adapter audit verify` on the audit volume; SIGHUP ->
#      mappings_reloaded; `podman stop` -> exit code 0.
# Usage: scripts/container-build.sh [--build-only]
# Environment: FA_CONTAINER_WORK (default /var/tmp/fhir-adapter-container), FA_IMAGE
# (localhost/fhir-adapter:dev), DEBIAN_MIRROR (http://deb.debian.org/debian), BUILD_JOBS (nproc).
# Heavy: run it with `nice -n 19`. Leaves the images (buildah/podman storage) for reuse.
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=false
[ "${1:-}" = "--build-only" ] && build_only=true

work=${FA_CONTAINER_WORK:-/var/tmp/fhir-adapter-container}
image=${FA_IMAGE:-localhost/fhir-adapter:dev}
base=localhost/debian:bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
jobs=${BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}
step() { echo "== $(date -u +%H:%M:%S) $*"; }

[ "$(id -u)" -eq 0 ] || { echo "container-build: run as root (debootstrap, buildah --isolation chroot)" >&2; exit 2; }
mkdir -p "$work"

step "1. packages: buildah podman debootstrap"
need=()
for p in buildah podman debootstrap crun curl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
buildah --version
podman --version

step "2. base image $base"
if podman image exists "$base"; then
  echo "present: $(podman image inspect --format '{{.Id}} {{.Created}}' "$base")"
else
  rootfs=$work/rootfs
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  # As debian:bookworm-slim: dpkg leaves out documentation, apt keeps no caches.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
DPKG
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/lintian/*
  find "$rootfs/usr/share/doc" -type f ! -name copyright -delete
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log
  tar --numeric-owner -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$base"
  rm -rf "$rootfs"
fi

step "3. buildah bud --isolation chroot -> $image"
time buildah bud --isolation chroot --format docker --layers \
  --build-arg BASE_IMAGE="$base" --build-arg BUILD_JOBS="$jobs" \
  -f Dockerfile -t "$image" .
podman image inspect --format 'image {{.Id}}: {{.Size}} bytes; user {{.Config.User}}; entrypoint {{.Config.Entrypoint}} cmd {{.Config.Cmd}}; volumes {{.Config.Volumes}}; healthcheck {{.Config.Healthcheck.Test}}' "$image"

# Some machines cannot run podman's defaults: crun refuses hybrid cgroup v1/v2 hierarchies, and
# some VMs forbid raising rlimits even as root (podman asks for nofile 1048576). Then: runc and
# modest rlimits.
podman_opts=()
if ! podman run --rm --network none "$image" --help >/dev/null 2>"$work/podman-probe.log"; then
  echo "podman run with the defaults failed: $(grep -v 'level=error' "$work/podman-probe.log" | tail -1)"
  dpkg-query -W -f='${Status}' runc 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends runc >/dev/null
  podman_opts=(--runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
  echo "using: podman run ${podman_opts[*]}"
fi
podman run --rm --network none "${podman_opts[@]}" "$image" --help 2>/dev/null | head -3
$build_only && exit 0

step "4. smoke test"
if ! command -v node >/dev/null || [ ! -d sandbox/node_modules ]; then
  echo "container-build: the smoke test needs node and sandbox/node_modules (npm ci --prefix sandbox)" >&2
  exit 2
fi
smoke=$work/smoke
netns=fa-smoke-$$
name=fa-smoke-$$
sandbox_pid=
cleanup() {
  podman rm -f -v "$name" >/dev/null 2>&1 || true   # -v: its anonymous audit volume too
  [ -z "$sandbox_pid" ] || kill "$sandbox_pid" 2>/dev/null || true
  ip netns del "$netns" 2>/dev/null || true
}
trap cleanup EXIT
rm -rf "$smoke"
mkdir -p "$smoke/etc" "$smoke/state"
node sandbox/cohort/generate.mjs --out "$smoke/cohort" >/dev/null
cp "$smoke/cohort/subjects.csv" "$smoke/etc/subjects.csv"
certs/make-dev-certs.sh "$smoke/certs" >/dev/null
chown -R 10001:10001 "$smoke/state"
chmod 0644 "$smoke/etc/subjects.csv"
cat >"$smoke/etc/adapter.toml" <<'TOML'
[fhir]
base_url = "http://127.0.0.1:8080/fhir"
auth = "none"
page_size = 200
ca_file = "/etc/fhir-adapter/certs/ca.crt"   # the certs volume is mounted and readable
[trial]
mappings = "/usr/share/fhir-adapter/fhir-mappings"
subjects = "/etc/fhir-adapter/subjects.csv"
[store]
path = "/var/lib/fhir-adapter/adapter.db"
[audit]
dir = "/var/lib/fhir-adapter/audit"
[http]
listen = "0.0.0.0:9464"
[sync]
interval_seconds = 10
TOML
chmod 0644 "$smoke/etc/adapter.toml"

# Loopback only, in a namespace of its own: no port of this machine is used or exposed.
ip netns add "$netns"
ip -n "$netns" link set lo up
in_ns() { ip netns exec "$netns" "$@"; }
# `ip netns exec` execs node in place, so $! is node's own pid (cleanup kills it).
ip netns exec "$netns" node sandbox/server.mjs --port 8080 --seed-dir "$smoke/cohort" >"$smoke/sandbox.log" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 120); do
  grep -q "listening on" "$smoke/sandbox.log" && break
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$smoke/sandbox.log"; exit 1; }
  sleep 0.5
done
grep "listening on" "$smoke/sandbox.log"

podman run -d --name "$name" --network "ns:/run/netns/$netns" "${podman_opts[@]}" \
  -v "$smoke/etc/adapter.toml:/etc/fhir-adapter/adapter.toml:ro" \
  -v "$smoke/etc/subjects.csv:/etc/fhir-adapter/subjects.csv:ro" \
  -v "$smoke/certs:/etc/fhir-adapter/certs:ro" \
  -v "$smoke/state:/var/lib/fhir-adapter" \
  "$image" >/dev/null
echo "container $name: $(podman inspect --format '{{.State.Status}}, pid {{.State.Pid}}, user {{.Config.User}}' "$name")"

probe() { in_ns curl -fsS -m 4 "http://127.0.0.1:9464$1"; }
ok=false
for _ in $(seq 1 60); do probe /healthz >/dev/null 2>&1 && { ok=true; break; }; sleep 1; done
$ok || { podman logs "$name" | tail -20; echo "FAIL: /healthz did not answer"; exit 1; }
echo "/healthz: 200 $(probe /healthz)"
ok=false
for _ in $(seq 1 180); do probe /readyz >/dev/null 2>&1 && { ok=true; break; }; sleep 1; done
$ok || { podman logs "$name" | tail -20; echo "FAIL: /readyz not ready after 180 s"; exit 1; }
echo "/readyz: 200 $(probe /readyz)"
probe /metrics | grep -E '^fhir_adapter_(sync_passes_total|records)\{' | head -8

status=0
podman healthcheck run "$name" || status=$?
echo "image HEALTHCHECK (podman healthcheck run): exit $status"
[ "$status" -eq 0 ] || exit 1

records=$(podman exec "$name" fhir-adapter records --config /etc/fhir-adapter/adapter.toml 2>/dev/null | wc -l)
echo "records in the store (fhir-adapter records, in the container): $records"
[ "$records" -gt 0 ] || exit 1
echo "process: $(podman top "$name" user pid args | tail -n +2)"
echo "volumes, as the container sees them (uid:gid mode path):"
podman exec "$name" find /var/lib/fhir-adapter -maxdepth 2 -printf '  %U:%G %m %p\n'
podman exec "$name" fhir-adapter audit verify --config /etc/fhir-adapter/adapter.toml ||
  { echo "FAIL: audit verify in the container"; exit 1; }

podman kill --signal HUP "$name" >/dev/null
for _ in $(seq 1 20); do podman logs "$name" 2>&1 | grep -q '"mappings_reloaded"' && break; sleep 0.5; done
podman logs "$name" 2>&1 | grep -q '"mappings_reloaded"' || { echo "FAIL: SIGHUP did not reload"; exit 1; }
echo "SIGHUP: mappings_reloaded"

podman stop -t 60 "$name" >/dev/null
code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
podman logs "$name" 2>&1 | grep '"stopped"' | tail -1
echo "podman stop (SIGTERM): exit code $code"
[ "$code" -eq 0 ] || exit 1
step "container smoke test passed"
