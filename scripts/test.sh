#!/usr/bin/env bash
# The test command: installs what is needed, builds, and runs every test.
# Works as root on a fresh Debian 12 machine; .ci/run calls exactly this.
#
# After ctest come the sanitizer and fuzz stages (scripts/sanitizers.sh, clang 14 at -O0:
# the unit and receiver suites under ASan+UBSan, each fuzz target for 5 s, the receiver and the
# daemon under TSan). FA_SANITIZERS=0 leaves them out for a quicker local run; CI always runs them.
# Clean-clone budget on the 2-core machine (30 minutes): see README "Tests".
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
stage() { echo "== $1 (at $((SECONDS - start)) s)"; }
stage "install"
scripts/install-deps.sh
stage "npm ci (sandbox FHIR server for integration tests)"
npm ci --prefix sandbox --no-audit --no-fund --loglevel=error
stage "build"
scripts/build.sh -DFHIR_ADAPTER_BUILD_TESTS=ON

stage "lint (clang-format, clang-tidy: any finding fails)"
scripts/lint.sh build
stage "sandbox smoke test"
node sandbox/smoke-test.mjs
stage "ctest"
ctest --test-dir build --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"

if [ "${FA_SANITIZERS:-1}" = 1 ]; then
  stage "sanitizers and fuzzing (clang -O0: ASan+UBSan suites, each fuzz target briefly, TSan)"
  scripts/sanitizers.sh asan fuzz tsan
fi
echo "== all tests passed in $((SECONDS - start)) s"
