#!/usr/bin/env bash
# deploy_deb_package: scripts/build-deb.sh makes a .deb from the build under test, and the package
# holds what the README's install steps put in place: a stripped /usr/bin/fhir-adapter that runs,
# the mappings, the units (which pass systemd-analyze verify from the unpacked package), the
# sysusers.d and tmpfiles.d files, the conffile; Depends names the shared-library packages.
# With FA_DEB_INSTALL=1 (as root in a throw-away container) it also installs the package with
# apt-get and checks the service user. Exit 77 when dpkg-deb is absent.
set -euo pipefail
source_dir=${FA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v dpkg-deb >/dev/null 2>&1 || { echo "SKIP: dpkg-deb is not installed"; exit 77; }
[ -n "${FA_BINARY:-}" ] && [ -x "$FA_BINARY" ] || { echo "SKIP: FA_BINARY (the built binary) not given"; exit 77; }
build_dir=$(dirname "$FA_BINARY")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
deb=$("$source_dir/scripts/build-deb.sh" --build-dir "$build_dir" --out "$work" | tail -1)
[ -f "$deb" ] || { echo "FAIL: no package written"; exit 1; }
echo "built: $(basename "$deb") ($(du -k "$deb" | cut -f1) KB)"

fail() { echo "FAIL: $*"; exit 1; }
info=$(dpkg-deb --info "$deb")
for field in 'Package: fhir-adapter' 'Architecture:' 'Depends:'; do
  grep -q "$field" <<<"$info" || fail "control lacks $field"
done
depends=$(dpkg-deb --field "$deb" Depends)
for package in libssl3 libsqlite3-0 libdate-tz3 tzdata; do
  grep -q "$package" <<<"$depends" || fail "Depends lacks $package: $depends"
done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/fhir-adapter/adapter.toml ] || fail "conffiles"

root=$work/root
dpkg-deb --extract "$deb" "$root"
for path in usr/bin/fhir-adapter usr/share/fhir-adapter/fhir-mappings/trial.json \
  usr/lib/systemd/system/fhir-adapter.service usr/lib/systemd/system/fhir-adapter@.service \
  usr/lib/systemd/system/fhir-adapter-backup.timer usr/lib/sysusers.d/fhir-adapter.conf \
  usr/lib/tmpfiles.d/fhir-adapter.conf etc/fhir-adapter/adapter.toml; do
  [ -e "$root/$path" ] || fail "package lacks /$path"
done
# Stripped: no symbol table and no debug sections (the unstripped RelWithDebInfo build is >100 MB).
if readelf -S "$root/usr/bin/fhir-adapter" | grep -qE '\.symtab|\.debug_'; then fail "the binary is not stripped"; fi
echo "ok: stripped binary $(du -k "$root/usr/bin/fhir-adapter" | cut -f1) KB (build: $(du -k "$FA_BINARY" | cut -f1) KB)"
"$root/usr/bin/fhir-adapter" --version | grep -q '^fhir-adapter ' || fail "the packaged binary does not run"

if command -v systemd-analyze >/dev/null 2>&1 && [ -f /usr/lib/systemd/system/sysinit.target -o -f /lib/systemd/system/sysinit.target ]; then
  system_units=/usr/lib/systemd/system; [ -f "$system_units/sysinit.target" ] || system_units=/lib/systemd/system
  vroot=$work/verify
  mkdir -p "$vroot/usr/lib/systemd" "$vroot/bin" "$vroot/usr/bin" "$vroot/etc/systemd/system"
  cp -a "$system_units" "$vroot/usr/lib/systemd/system"
  cp "$root"/usr/lib/systemd/system/fhir-adapter* "$vroot/etc/systemd/system/"
  cp "$root/usr/bin/fhir-adapter" "$vroot/usr/bin/"
  for tool in kill sh; do install -m 0755 "$(type -P $tool)" "$vroot/bin/$tool"; done
  install -m 0755 "$(type -P find)" "$vroot/usr/bin/find"
  for unit in fhir-adapter.service fhir-adapter@demo.service fhir-adapter-backup.service fhir-adapter-backup.timer; do
    out=$(systemd-analyze verify --man=no --root="$vroot" "$unit" 2>&1) || fail "verify $unit: $out"
    [ -z "$out" ] || fail "verify $unit: $out"
  done
  echo "ok: the packaged units pass systemd-analyze verify"
fi

if [ "${FA_DEB_INSTALL:-0}" = 1 ]; then
  apt-get install -y "$deb" >/dev/null
  getent passwd fhir-adapter >/dev/null || fail "no fhir-adapter user after install"
  fhir-adapter --version
  echo "ok: installed with apt-get"
fi
echo "PASS: deploy_deb_package"
