#!/usr/bin/env bash
# Sanitizer and fuzzing stages (clang 14):
#   1. build-asan: AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer), -O0 without
#      -g (FA_SANITIZER_OPT, e.g. -O1 for a long fuzz campaign), libFuzzer coverage on. -O0
#      because CI has 30 minutes on 2 cores: a Beast translation unit takes 35 s of CPU under
#      ASan at -O0 and 99 s at -O1; the suites run about twice as long, which costs far less.
#      The unit suite, the receiver's suite and the fuzz regression inputs run under it (stage
#      asan; FA_ASAN_DAEMON=1 adds the daemon's suite, which needs the whole CLI built too), then
#      every fuzz target for FA_FUZZ_SECONDS (default 5) on its seed corpus and regression
#      inputs (stage fuzz).
#   2. build-tsan: ThreadSanitizer over the concurrent parts (stage tsan): callback_tests (the
#      receiver's io threads, the durable queue, the processor thread) and daemon_tests (the
#      work loop, the audit outbox, signals, the health listener).
# Any sanitizer report or fuzz finding fails the stage. Build dirs are separate from build/ and
# ccache is used when installed, so repeated runs rebuild only what changed. The stages
# build-asan and build-tsan only build; asan, fuzz and tsan build what is missing and run.
# scripts/test.sh runs asan, fuzz and tsan after ctest (unless FA_SANITIZERS=0).
# Usage: scripts/sanitizers.sh [build-asan|build-tsan|asan|fuzz|tsan]...   (default: asan fuzz tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(asan fuzz tsan)

asan_tests=(unit_tests fuzz_regression_tests callback_tests)
[ "${FA_ASAN_DAEMON:-0}" = 1 ] && asan_tests+=(daemon_tests)
tsan_tests=(callback_tests daemon_tests)
fuzz_targets=(observation resource_stream notification callback_request mappings config roster decimal)

configure() {  # DIR, extra cmake options...
  local dir=$1
  shift
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$dir" -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=${FA_SANITIZER_OPT:--O0}" -DFHIR_ADAPTER_BUILD_TESTS=ON -DFHIR_ADAPTER_BUILD_BENCH=OFF \
    -DFHIR_ADAPTER_SKIP_INTEGRATION=ON "${launcher[@]}" "$@" >/dev/null
}

timed() {  # LABEL, command...
  local label=$1 start=$SECONDS
  shift
  "$@"
  echo "-- $label: $((SECONDS - start)) s"
}

run_tests() {  # DIR, binaries...: $jobs at a time, each one's output shown when it fails
  local dir=$1 logs t failed=0
  shift
  logs=$(mktemp -d)
  printf '%s\n' "$@" | xargs -P "$jobs" -I{} sh -c '"$1/tests/$2" --gtest_brief=1 >"$3/$2.log" 2>&1 || { echo "$2 FAILED" >"$3/$2.failed"; exit 1; }' _ "$dir" {} "$logs" || failed=1
  for t in "$@"; do
    echo "-- $t: $(grep -h -m1 -E '^\[  (PASSED|FAILED)  \] [0-9]+ test' "$logs/$t.log" || echo 'no summary')"
    [ -f "$logs/$t.failed" ] && tail -n 80 "$logs/$t.log"
  done
  rm -rf "$logs"
  return $failed
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

fuzz_briefly() {
  local seconds=${FA_FUZZ_SECONDS:-5} scratch name
  scratch=$(mktemp -d)
  for name in "${fuzz_targets[@]}"; do
    mkdir -p "$scratch/$name"
    # New inputs go to the scratch folder (first), never into the committed corpus; a target
    # without a regression input yet has no folder for it (libFuzzer stops on a missing one).
    local inputs=("$scratch/$name" "fuzz/corpus/$name")
    [ -d "fuzz/regressions/$name" ] && inputs+=("fuzz/regressions/$name")
    if ! build-asan/fuzz/fuzz_"$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$scratch/$name-" "${inputs[@]}" \
      >"$scratch/$name.log" 2>&1; then
      tail -n 60 "$scratch/$name.log"
      echo "fuzz_$name found a problem; the input is in $scratch (keep it under fuzz/regressions/$name/)" >&2
      exit 1
    fi
    echo "-- fuzz_$name: $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$scratch/$name.log" | grep -o '[0-9]*$') runs"
  done
  rm -rf "$scratch"
}

build_asan() {
  configure build-asan -DFHIR_ADAPTER_FUZZ=ON
  timed "build (ASan+UBSan)" cmake --build build-asan -j "$jobs" --target "${asan_tests[@]}" "${fuzz_targets[@]/#/fuzz_}"
}
build_tsan() {
  configure build-tsan -DFHIR_ADAPTER_SANITIZE=thread
  timed "build (TSan)" cmake --build build-tsan -j "$jobs" --target "${tsan_tests[@]}"
}

for stage in "${stages[@]}"; do
  case $stage in
    build-asan) build_asan ;;
    build-tsan) build_tsan ;;
    asan)
      echo "== ${asan_tests[*]} under ASan+UBSan (build-asan)"
      build_asan
      timed "tests under ASan+UBSan" run_tests build-asan "${asan_tests[@]}"
      ;;
    fuzz)
      echo "== fuzz targets, ${FA_FUZZ_SECONDS:-5} s each (build-asan)"
      build_asan
      timed "fuzzing" fuzz_briefly
      ;;
    tsan)
      echo "== ${tsan_tests[*]} under ThreadSanitizer (build-tsan)"
      build_tsan
      timed "tests under TSan" run_tests build-tsan "${tsan_tests[@]}"
      ;;
    *)
      echo "usage: scripts/sanitizers.sh [build-asan|build-tsan|asan|fuzz|tsan]..." >&2
      exit 2
      ;;
  esac
done
