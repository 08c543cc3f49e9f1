#!/usr/bin/env bash
# deploy_systemd_verify: deploy/fhir-adapter.service, unchanged, passes `systemd-analyze verify`
# with no warning at all (verify exits 0 on an unknown key or a bad value and only warns, so any
# output fails the test), and `systemd-analyze security --offline` rates it at most 2.0.
# The unit names /usr/bin/fhir-adapter and /bin/kill, and verify checks that they are
# executable: it runs against a throw-away root (--root) holding the unit, the system's own
# unit files, /bin/kill and an executable /usr/bin/fhir-adapter, so nothing is installed.
# Exit 77 (CTest SKIP_RETURN_CODE) when systemd-analyze is absent.
set -euo pipefail
source_dir=${FA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
unit=$source_dir/deploy/fhir-adapter.service

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze is not installed (apt-get install systemd)"
  exit 77
fi
system_units=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
[ -d "$system_units" ] || system_units=/usr/lib/systemd/system
[ -d "$system_units" ] || system_units=/lib/systemd/system
if [ ! -f "$system_units/sysinit.target" ]; then
  echo "SKIP: no systemd unit files (sysinit.target) found on this machine"
  exit 77
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd" "$root/usr/bin" "$root/bin"
cp -a "$system_units" "$root/usr/lib/systemd/system"
cp "$unit" "$root/etc/systemd/system/fhir-adapter.service"
kill_binary=$(type -P kill || true)
[ -n "$kill_binary" ] || { echo "SKIP: no kill binary (procps) for ExecReload=/bin/kill"; exit 77; }
install -m 0755 "$kill_binary" "$root/bin/kill"
if [ -n "${FA_BINARY:-}" ] && [ -x "$FA_BINARY" ]; then
  printf '#!/bin/sh\nexec "%s" "$@"\n' "$FA_BINARY" >"$root/usr/bin/fhir-adapter"
else
  printf '#!/bin/sh\nexit 0\n' >"$root/usr/bin/fhir-adapter"
fi
chmod 0755 "$root/usr/bin/fhir-adapter"

status=0
out=$(systemd-analyze verify --man=no --root="$root" fhir-adapter.service 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$out" ]; then
  echo "FAIL: systemd-analyze verify (exit $status):"
  echo "$out"
  exit 1
fi
echo "ok: systemd-analyze verify deploy/fhir-adapter.service: no warnings"

# The settings the deployment depends on are there, exactly.
# shellcheck disable=SC2016  # $MAINPID is literal unit text
for line in \
  'Type=notify' 'NotifyAccess=main' \
  'ExecStart=/usr/bin/fhir-adapter run --config /etc/fhir-adapter/adapter.toml' \
  'ExecReload=/bin/kill -HUP $MAINPID' \
  'User=fhir-adapter' 'Group=fhir-adapter' 'StateDirectory=fhir-adapter' \
  'ProtectSystem=strict' 'ReadWritePaths=/var/lib/fhir-adapter' 'NoNewPrivileges=true' 'PrivateTmp=true' \
  'CapabilityBoundingSet=' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
  'SystemCallFilter=@system-service' 'Restart=on-failure'; do
  grep -qxF "$line" "$unit" || { echo "FAIL: $unit lacks the line: $line"; exit 1; }
done
grep -qE '^WatchdogSec=[0-9]' "$unit" || { echo "FAIL: $unit has no WatchdogSec="; exit 1; }
echo "ok: required settings present"

# deploy/fhir-adapter.sysusers and .tmpfiles apply cleanly in the same throw-away root.
if command -v systemd-sysusers >/dev/null 2>&1 && command -v systemd-tmpfiles >/dev/null 2>&1; then
  mkdir -p "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d"
  cp "$source_dir/deploy/fhir-adapter.sysusers" "$root/usr/lib/sysusers.d/fhir-adapter.conf"
  cp "$source_dir/deploy/fhir-adapter.tmpfiles" "$root/usr/lib/tmpfiles.d/fhir-adapter.conf"
  systemd-sysusers --root="$root" fhir-adapter.conf >/dev/null 2>"$root/sysusers.log" ||
    { cat "$root/sysusers.log"; echo "FAIL: systemd-sysusers"; exit 1; }
  grep -q '^fhir-adapter:x:[0-9]*:[0-9]*:.*:/var/lib/fhir-adapter:/usr/sbin/nologin$' "$root/etc/passwd" ||
    { echo "FAIL: sysusers made no fhir-adapter user"; exit 1; }
  systemd-tmpfiles --root="$root" --create fhir-adapter.conf 2>"$root/tmpfiles.log" ||
    { cat "$root/tmpfiles.log"; echo "FAIL: systemd-tmpfiles"; exit 1; }
  [ "$(stat -c %a "$root/etc/fhir-adapter/secrets")" = 750 ] || { echo "FAIL: secrets/ is not 0750"; exit 1; }
  echo "ok: sysusers.d makes the fhir-adapter user; tmpfiles.d makes /etc/fhir-adapter/{certs,secrets}"
fi

status=0
out=$(systemd-analyze security --offline=true --threshold=20 --root="$root" fhir-adapter.service 2>&1) || status=$?
level=$(printf '%s\n' "$out" | grep -o 'Overall exposure level for fhir-adapter.service: [0-9.]*' || true)
if [ "$status" -ne 0 ]; then
  printf '%s\n' "$out" | grep -E '^✗' || true
  echo "FAIL: systemd-analyze security: ${level:-no rating} (threshold 2.0)"
  exit 1
fi
echo "ok: ${level} (threshold 2.0)"
