#!/usr/bin/env bash
# Builds a Debian package of fhir-adapter from this repository with dpkg-deb (no debhelper):
# the stripped binary, the default fhir-mappings/, the systemd units (fhir-adapter.service,
# fhir-adapter@.service, the backup service and timer), sysusers.d and tmpfiles.d files, and the
# example configuration as the conffile /etc/fhir-adapter/adapter.toml. Depends: is worked out
# from the binary's shared libraries (dpkg -S), plus tzdata and ca-certificates.
#
# Usage: scripts/build-deb.sh [--build-dir DIR] [--out DIR]
#   --build-dir DIR  an existing CMake build to install from (default: configure and build
#                    build-deb/ with tests and benchmarks off)
#   --out DIR        where the .deb goes (default: the build directory)
# Prints the path of the package. Install it with `apt-get install ./fhir-adapter_*.deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=""
out_dir=""
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build_dir=$2; shift 2 ;;
    --out) out_dir=$2; shift 2 ;;
    *) echo "usage: scripts/build-deb.sh [--build-dir DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done
if [ -z "$build_dir" ]; then
  build_dir=build-deb
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFHIR_ADAPTER_BUILD_TESTS=OFF \
    -DFHIR_ADAPTER_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build_dir" -j 2 --target fhir-adapter
fi
out_dir=${out_dir:-$build_dir}
version=$(sed -n 's/^project(fhir_adapter VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
DESTDIR=$root cmake --install "$build_dir" --prefix /usr --strip >/dev/null
install -D -m 0640 deploy/adapter.toml "$root/etc/fhir-adapter/adapter.toml"
mkdir -p "$root/DEBIAN"

# Depends: the packages that own the binary's shared libraries.
depends=$(ldd "$root/usr/bin/fhir-adapter" | awk '$3 ~ /^\// {print $3}' | while read -r lib; do
  dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
done | cut -d: -f1 | sort -u | paste -sd, - | sed 's/,/, /g')
[ -n "$depends" ] || { echo "build-deb.sh: could not work out the shared-library packages" >&2; exit 1; }

size_kb=$(du -sk "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: fhir-adapter
Version: $version
Architecture: $arch
Maintainer: fhir-adapter maintainers <fhir-adapter@localhost>
Installed-Size: $size_kb
Depends: $depends, tzdata, ca-certificates
Section: science
Priority: optional
Description: FHIR R4 laboratory results to clinical-trial outcome records
 A daemon beside a hospital's FHIR R4 server: it pulls lab Observations, maps them to trial
 outcome records (visit, standardised value, range, flag, CTCAE grade), stores them in SQLite
 with a tamper-evident audit log, and serves health and metrics.
CONTROL
echo /etc/fhir-adapter/adapter.toml >"$root/DEBIAN/conffiles"
cat >"$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  systemd-sysusers fhir-adapter.conf >/dev/null 2>&1 || systemd-sysusers
  systemd-tmpfiles --create fhir-adapter.conf >/dev/null 2>&1 || true
  chgrp fhir-adapter /etc/fhir-adapter/adapter.toml && chmod 0640 /etc/fhir-adapter/adapter.toml
  if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
  echo "fhir-adapter: edit /etc/fhir-adapter/adapter.toml, run fhir-adapter check-config, then" \
       "systemctl enable --now --no-block fhir-adapter"
fi
POSTINST
cat >"$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl stop fhir-adapter.service fhir-adapter-backup.timer 'fhir-adapter@*.service' >/dev/null 2>&1 || true
fi
PRERM
cat >"$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
POSTRM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

mkdir -p "$out_dir"
deb=$out_dir/fhir-adapter_${version}_${arch}.deb
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
