#!/usr/bin/env bash
# The test command: installs what is needed, builds, and runs every test.
# Works as root on a fresh Debian 12 machine; .ci/run calls exactly this.
#
# Time on 2 cores (the CI budget is 30 minutes): the sanitizer builds (clang: ASan+UBSan with
# the fuzz targets, then TSan) start in the background at the lowest priority as soon as the
# main build is done, so they use what lint and ctest leave idle; their tests and the brief fuzz
# runs follow ctest. FA_SANITIZERS=0 leaves them out (a quicker local run; CI never sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== npm ci (sandbox FHIR server for integration tests)"
npm ci --prefix sandbox --no-audit --no-fund --loglevel=error
echo "== build"
scripts/build.sh -DFHIR_ADAPTER_BUILD_TESTS=ON

sanitizers=${FA_SANITIZERS:-1}
san_log=build/sanitizer-builds.log
san_pid=""
if [ "$sanitizers" = 1 ]; then
  # Its own process group (setsid), so that a failed stage stops its compilers too.
  setsid nice -n 19 scripts/sanitizers.sh build-asan build-tsan >"$san_log" 2>&1 &
  san_pid=$!
  trap '[ -z "$san_pid" ] || kill -- "-$san_pid" 2>/dev/null || true' EXIT
  echo "== sanitizer builds started in the background (log: $san_log)"
fi

echo "== lint (clang-format, clang-tidy: any finding fails)"
scripts/lint.sh build
echo "== sandbox smoke test"
node sandbox/smoke-test.mjs
echo "== ctest"
ctest --test-dir build --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"

if [ "$sanitizers" = 1 ]; then
  # The ASan build is done first (its log line "-- build (ASan+UBSan)"); its tests and the fuzz
  # runs go ahead while the TSan build goes on beside them.
  echo "== waiting for the ASan+UBSan build"
  until grep -q '^-- build (ASan+UBSan)' "$san_log" || ! kill -0 "$san_pid" 2>/dev/null; do sleep 2; done
  if ! grep -q '^-- build (ASan+UBSan)' "$san_log"; then
    tail -n 80 "$san_log"
    echo "the ASan+UBSan build failed (log above: $san_log)" >&2
    exit 1
  fi
  echo "== sanitizers and fuzzing (clang: ASan+UBSan suites, each fuzz target briefly)"
  scripts/sanitizers.sh asan fuzz
  echo "== waiting for the TSan build"
  if ! wait "$san_pid"; then
    san_pid=""
    tail -n 80 "$san_log"
    echo "the TSan build failed (log above: $san_log)" >&2
    exit 1
  fi
  san_pid=""
  grep -E '^-- build' "$san_log" || true
  scripts/sanitizers.sh tsan
fi
echo "== all tests passed"
