#!/usr/bin/env bash
# Configures and builds fhir-adapter into build/ (the binary is build/fhir-adapter).
# Usage: scripts/build.sh [extra cmake -D options]
# Release at -O2 without debug information: a third faster to compile than RelWithDebInfo on 2
# cores, and the installed binary is stripped anyway (configure with
# -DCMAKE_BUILD_TYPE=RelWithDebInfo for a debugger).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" "$@" >/dev/null
cmake --build build -j "$jobs"
