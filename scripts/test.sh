#!/usr/bin/env bash
# The test command: installs what is needed, builds, and runs every test.
# Works as root on a fresh Debian 12 machine; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== npm ci (sandbox FHIR server for integration tests)"
npm ci --prefix sandbox --no-audit --no-fund --loglevel=error
echo "== build"
scripts/build.sh -DFHIR_ADAPTER_BUILD_TESTS=ON
echo "== lint (clang-format, clang-tidy: any finding fails)"
scripts/lint.sh build
echo "== sandbox smoke test"
node sandbox/smoke-test.mjs
echo "== ctest"
ctest --test-dir build --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"
echo "== sanitizers and fuzzing (clang: ASan+UBSan unit suites, each fuzz target briefly, TSan)"
scripts/sanitizers.sh
echo "== all tests passed"
