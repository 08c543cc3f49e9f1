#!/usr/bin/env bash
# Installs every Debian 12 package fhir-adapter needs to build, test and run its demo.
# Idempotent: apt-get only installs what is missing. Run as root on a fresh Debian 12 machine.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates python3
  clang clang-format clang-tidy
  libclang-rt-14-dev ccache  # sanitizer and libFuzzer runtimes (scripts/sanitizers.sh); compiler cache
  rapidjson-dev
  libboost1.81-dev libboost-url1.81-dev
  libssl-dev openssl
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev sqlite3
  libcli11-dev libtomlplusplus-dev
  libsystemd-dev
  nodejs
  strace util-linux
  libhowardhinnant-date-dev tzdata
  libkainjow-mustache-dev
  libargon2-dev
  libsimdjson-dev  # the quick look at NDJSON lines (adapter/fhir/line_triage.h)
  chromium chromium-driver fonts-dejavu-core
  python3-pandas
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present" >&2
fi

# Debian's nodejs ships npm separately; NodeSource's nodejs bundles it and conflicts with it.
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get install -y -q --no-install-recommends npm
fi
