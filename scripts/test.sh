#!/usr/bin/env bash
# The test command: installs what is needed, builds, and runs every test.
# Works as root on a fresh Debian 12 machine; .ci/run calls exactly this.
#
# The sanitizer and fuzz stages (scripts/sanitizers.sh: clang ASan+UBSan suites, each fuzz target
# for 5 s, TSan over the receiver) run after ctest with FA_SANITIZERS=1. They are not on by
# default: they need two more builds of most libraries, and a clean-clone run on the 2-core
# machine with them (built in the background during lint and ctest) went past 40 minutes,
# over the 30-minute CI budget.
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

if [ "${FA_SANITIZERS:-0}" = 1 ]; then
  echo "== sanitizers and fuzzing (clang: ASan+UBSan suites, each fuzz target briefly, TSan)"
  scripts/sanitizers.sh asan fuzz tsan
fi
echo "== all tests passed"
