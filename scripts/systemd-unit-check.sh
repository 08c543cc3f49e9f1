#!/usr/bin/env bash
# Runs deploy/fhir-adapter.service under a real systemd and checks what `systemd-analyze verify`
# (CTest deploy_systemd_verify) cannot: systemd is PID 1 of a privileged podman container made
# from the runtime image (scripts/container-build.sh) plus Debian's systemd, with the unit,
# sysusers.d and tmpfiles.d files installed as the README says; the sandbox FHIR server with the
# synthetic cohort runs in a network namespace of its own (loopback only). Checks:
#   - Type=notify: the unit becomes active (READY) after the first sync pass; watchdog armed
#   - the process: user fhir-adapter, no capabilities, NoNewPrivs, a seccomp filter, /etc and
#     /usr read-only, the state folder writable, files 0600 (UMask), the audit anchor written in
#     /var/log/fhir-adapter (LogsDirectory=), audit key honoured
#   - systemctl reload -> mappings_reloaded; `runuser -u fhir-adapter -- fhir-adapter audit verify`
#   - systemctl stop -> exit status 0
#   - a configuration error -> exit status 2, unit failed, no restart (RestartPreventExitStatus=2)
#   - FHIR server unreachable -> the unit stays "activating" (no start timeout), stops cleanly
# Usage: scripts/systemd-unit-check.sh   (as root; after scripts/container-build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
image=${FA_IMAGE:-localhost/fhir-adapter:dev}
work=${FA_CONTAINER_WORK:-/var/tmp/fhir-adapter-container}/systemd
test_image=localhost/fhir-adapter-systemd-test
name=fa-systemd-$$
netns=fa-systemd-$$
sandbox_pid=
step() { echo "== $(date -u +%H:%M:%S) $*"; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || { echo "systemd-unit-check: run as root" >&2; exit 2; }
podman image exists "$image" || { echo "systemd-unit-check: no $image: run scripts/container-build.sh first" >&2; exit 2; }
if ! command -v node >/dev/null || [ ! -d sandbox/node_modules ]; then
  echo "systemd-unit-check: needs node and sandbox/node_modules (npm ci --prefix sandbox)" >&2
  exit 2
fi
# As in container-build.sh: machines where podman's defaults cannot run get runc and low rlimits.
podman_opts=()
if ! podman run --rm --network none "$image" --help >/dev/null 2>&1; then
  podman_opts=(--runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
fi

cleanup() {
  podman rm -f -v "$name" >/dev/null 2>&1 || true
  [ -z "$sandbox_pid" ] || kill "$sandbox_pid" 2>/dev/null || true
  ip netns del "$netns" 2>/dev/null || true
}
trap cleanup EXIT

step "test image $test_image: $image + systemd + deploy/ files"
rm -rf "$work"
mkdir -p "$work/ctx" "$work/run"
cp deploy/fhir-adapter.service deploy/fhir-adapter.sysusers deploy/fhir-adapter.tmpfiles "$work/ctx/"
cat >"$work/ctx/Containerfile" <<EOF
FROM $image
USER root
RUN apt-get update && apt-get install -y --no-install-recommends systemd systemd-sysv procps \\
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
COPY fhir-adapter.service /etc/systemd/system/fhir-adapter.service
COPY fhir-adapter.sysusers /usr/lib/sysusers.d/fhir-adapter.conf
COPY fhir-adapter.tmpfiles /usr/lib/tmpfiles.d/fhir-adapter.conf
RUN systemctl enable fhir-adapter.service && systemctl mask console-getty.service getty@tty1.service
STOPSIGNAL SIGRTMIN+3
HEALTHCHECK NONE
ENTRYPOINT ["/lib/systemd/systemd"]
CMD []
EOF
buildah bud --isolation chroot --format docker --layers -q -f "$work/ctx/Containerfile" -t "$test_image" "$work/ctx" >/dev/null

step "configuration, roster, audit key; sandbox FHIR server in netns $netns"
node sandbox/cohort/generate.mjs --out "$work/cohort" >/dev/null
cp "$work/cohort/subjects.csv" "$work/run/subjects.csv"
cat >"$work/run/adapter.toml" <<'TOML'
[fhir]
base_url = "http://127.0.0.1:8080/fhir"
auth = "none"
page_size = 200
[trial]
mappings = "/usr/share/fhir-adapter/fhir-mappings"
subjects = "/etc/fhir-adapter/subjects.csv"
[store]
path = "/var/lib/fhir-adapter/adapter.db"
[audit]
dir = "/var/lib/fhir-adapter/audit"
key_file = "/etc/fhir-adapter/secrets/audit-key"
anchor_path = "/var/log/fhir-adapter/audit-anchor.jsonl"
[http]
listen = "127.0.0.1:9464"
[sync]
interval_seconds = 10
TOML
openssl rand -hex 32 >"$work/run/audit-key"
chown 10001:10001 "$work/run/audit-key"   # the image's fhir-adapter user; sysusers keeps it
chmod 0600 "$work/run/audit-key"
chmod 0644 "$work/run/adapter.toml" "$work/run/subjects.csv"
ip netns add "$netns"
ip -n "$netns" link set lo up
ip netns exec "$netns" node sandbox/server.mjs --port 8080 --seed-dir "$work/cohort" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 120); do grep -q "listening on" "$work/sandbox.log" && break; sleep 0.5; done
grep -q "listening on" "$work/sandbox.log" || { cat "$work/sandbox.log"; fail "sandbox did not start"; }

step "systemd as PID 1 (podman --systemd=always --privileged)"
podman run -d --name "$name" --privileged --systemd=always "${podman_opts[@]}" --network "ns:/run/netns/$netns" \
  -v "$work/run/adapter.toml:/etc/fhir-adapter/adapter.toml:ro" \
  -v "$work/run/subjects.csv:/etc/fhir-adapter/subjects.csv:ro" \
  -v "$work/run/audit-key:/etc/fhir-adapter/secrets/audit-key:ro" \
  "$test_image" >/dev/null 2>&1
E=(podman exec "$name")
state=
for _ in $(seq 1 180); do
  state=$("${E[@]}" systemctl is-active fhir-adapter 2>/dev/null || true)
  [ "$state" = active ] || [ "$state" = failed ] && break
  sleep 1
done
[ "$state" = active ] || { "${E[@]}" journalctl -u fhir-adapter --no-pager -o cat | tail -20; fail "unit is $state, not active"; }
"${E[@]}" journalctl -u fhir-adapter --no-pager -o cat | grep -q '"event":"sync_pass"' || fail "active before any sync_pass"
echo "active (READY after the first sync pass): $("${E[@]}" journalctl -u fhir-adapter --no-pager -o cat | grep -m1 '"sync_pass"' | cut -c1-160)"
"${E[@]}" systemctl show fhir-adapter -p Type -p WatchdogUSec -p TimeoutStartUSec -p User -p NRestarts | sed 's/^/  /'

pid=$("${E[@]}" systemctl show -p MainPID --value fhir-adapter)
status=$("${E[@]}" cat "/proc/$pid/status")
grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' <<<"$status" | sed 's/^/  /'
grep -qE '^CapEff:[[:space:]]+0+$' <<<"$status" || fail "the process has capabilities"
grep -qE '^NoNewPrivs:[[:space:]]+1$' <<<"$status" || fail "NoNewPrivs is not set"
grep -qE '^Seccomp:[[:space:]]+2$' <<<"$status" || fail "no seccomp filter"
uid=$(awk '/^Uid:/ {print $2}' <<<"$status")
[ "$("${E[@]}" id -u fhir-adapter)" = "$uid" ] || fail "not running as fhir-adapter"
"${E[@]}" nsenter -t "$pid" -m sh -c '! touch /etc/probe 2>/dev/null && ! touch /usr/probe 2>/dev/null' ||
  fail "/etc or /usr writable by the service"
"${E[@]}" nsenter -t "$pid" -m sh -c 'touch /var/lib/fhir-adapter/probe && rm /var/lib/fhir-adapter/probe' ||
  fail "/var/lib/fhir-adapter not writable"
echo "ok: /etc and /usr read-only, /var/lib/fhir-adapter writable, in the service's mount namespace"
mode=$("${E[@]}" stat -c %a /var/lib/fhir-adapter/adapter.db)
[ "$mode" = 600 ] || fail "adapter.db has mode $mode (UMask=0077 gives 600)"
"${E[@]}" test -s /var/log/fhir-adapter/audit-anchor.jsonl || fail "no audit anchor in /var/log/fhir-adapter"
echo "ok: adapter.db 0600; audit anchor written to /var/log/fhir-adapter (LogsDirectory=)"

"${E[@]}" systemctl reload fhir-adapter
for _ in $(seq 1 20); do
  "${E[@]}" journalctl -u fhir-adapter --no-pager -o cat | grep -q '"event":"mappings_reloaded"' && break
  sleep 0.5
done
"${E[@]}" journalctl -u fhir-adapter --no-pager -o cat | grep -q '"event":"mappings_reloaded"' || fail "reload did not reach the daemon"
echo "ok: systemctl reload -> mappings_reloaded"
"${E[@]}" runuser -u fhir-adapter -- fhir-adapter audit verify --config /etc/fhir-adapter/adapter.toml || fail "audit verify"
"${E[@]}" systemd-analyze security fhir-adapter --no-pager 2>/dev/null | tail -1

"${E[@]}" systemctl stop fhir-adapter
exit_status=$("${E[@]}" systemctl show -p ExecMainStatus --value fhir-adapter)
[ "$exit_status" = 0 ] || fail "stop: exit status $exit_status"
echo "ok: systemctl stop -> exit status 0"

step "a configuration error: exit 2, no restart"
"${E[@]}" mkdir -p /run/systemd/system/fhir-adapter.service.d
"${E[@]}" sh -c 'printf "[Service]\nExecStart=\nExecStart=/usr/bin/fhir-adapter run --config /etc/fhir-adapter/missing.toml\n" >/run/systemd/system/fhir-adapter.service.d/broken.conf'
"${E[@]}" systemctl daemon-reload
"${E[@]}" systemctl start fhir-adapter 2>/dev/null && fail "a broken configuration started"
sleep 35   # longer than RestartSec=30s
props=$("${E[@]}" systemctl show fhir-adapter -p ActiveState -p ExecMainStatus -p NRestarts)
while read -r line; do echo "  $line"; done <<<"$props"
for want in ExecMainStatus=2 NRestarts=0 ActiveState=failed; do
  grep -qx "$want" <<<"$props" || fail "expected $want"
done
"${E[@]}" rm /run/systemd/system/fhir-adapter.service.d/broken.conf
"${E[@]}" systemctl daemon-reload
"${E[@]}" systemctl reset-failed fhir-adapter

step "FHIR server unreachable: activating, no start timeout"
kill "$sandbox_pid"
wait "$sandbox_pid" 2>/dev/null || true
sandbox_pid=
"${E[@]}" systemctl start --no-block fhir-adapter
sleep 20
state=$("${E[@]}" systemctl show -p ActiveState --value fhir-adapter)
[ "$state" = activating ] || fail "expected activating, got $state"
"${E[@]}" journalctl -u fhir-adapter --no-pager -o cat | grep -q '"event":"fhir_server_unreachable"' || fail "no fhir_server_unreachable"
"${E[@]}" systemctl stop fhir-adapter
echo "ok: activating while the server is unreachable; stops cleanly"
step "systemd unit check passed"
