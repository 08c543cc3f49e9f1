#!/usr/bin/env bash
# deploy_units_verify: the other systemd units of deploy/ pass `systemd-analyze verify` with no
# warning: the templated fhir-adapter@.service (as the instance fhir-adapter@demo.service, so
# every %i is expanded), and the backup service with its timer. As systemd_verify.sh: a
# throw-away root holding the units, the system's unit files and stand-in executables.
# Exit 77 (CTest SKIP_RETURN_CODE) when systemd-analyze is absent.
set -euo pipefail
source_dir=${FA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze is not installed (apt-get install systemd)"
  exit 77
fi
system_units=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
[ -d "$system_units" ] || system_units=/usr/lib/systemd/system
[ -d "$system_units" ] || system_units=/lib/systemd/system
[ -f "$system_units/sysinit.target" ] || { echo "SKIP: no systemd unit files found on this machine"; exit 77; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd" "$root/usr/bin" "$root/bin"
cp -a "$system_units" "$root/usr/lib/systemd/system"
for unit in fhir-adapter.service fhir-adapter@.service fhir-adapter-backup.service fhir-adapter-backup.timer; do
  cp "$source_dir/deploy/$unit" "$root/etc/systemd/system/$unit"
done
for tool in kill sh; do
  binary=$(type -P "$tool" || true)
  [ -n "$binary" ] || { echo "SKIP: no $tool binary"; exit 77; }
  install -m 0755 "$binary" "$root/bin/$tool"
done
find_binary=$(type -P find || true)
[ -n "$find_binary" ] || { echo "SKIP: no find binary"; exit 77; }
install -m 0755 "$find_binary" "$root/usr/bin/find"
printf '#!/bin/sh\nexit 0\n' >"$root/usr/bin/fhir-adapter"
chmod 0755 "$root/usr/bin/fhir-adapter"

for unit in fhir-adapter@demo.service fhir-adapter-backup.service fhir-adapter-backup.timer; do
  status=0
  out=$(systemd-analyze verify --man=no --root="$root" "$unit" 2>&1) || status=$?
  if [ "$status" -ne 0 ] || [ -n "$out" ]; then
    echo "FAIL: systemd-analyze verify $unit (exit $status):"
    echo "$out"
    exit 1
  fi
  echo "ok: systemd-analyze verify $unit: no warnings"
done

# The instance's paths are its own: configuration, state and the only writable folder.
template=$source_dir/deploy/fhir-adapter@.service
for line in 'ExecStart=/usr/bin/fhir-adapter run --config /etc/fhir-adapter/%i/adapter.toml' \
  'StateDirectory=fhir-adapter/%i' 'ReadWritePaths=/var/lib/fhir-adapter/%i' 'Type=notify' 'User=fhir-adapter'; do
  grep -qxF "$line" "$template" || { echo "FAIL: $template lacks the line: $line"; exit 1; }
done
echo "ok: fhir-adapter@.service keeps each trial's files apart"
