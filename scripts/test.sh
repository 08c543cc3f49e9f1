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
# Sanitizer and fuzz stages (clang ASan+UBSan, each fuzz target briefly, TSan) add about 15
# minutes on 2 cores; until they are measured to fit the 30-minute CI budget they run on request.
if [ "${FA_SANITIZERS:-0}" = 1 ]; then
  echo "== sanitizers and fuzzing (clang: ASan+UBSan unit suites, each fuzz target briefly, TSan)"
  scripts/sanitizers.sh
fi
echo "== all tests passed"
