#!/usr/bin/env bash
# Sanitizer and fuzzing stages of CI (scripts/test.sh runs this after ctest; clang 14):
#   1. build-asan: AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer), -O1 without
#      -g, libFuzzer coverage on. The unit suites without network timing run under it, then every
#      fuzz target for FA_FUZZ_SECONDS (default 10) on its seed corpus and regression inputs.
#   2. build-tsan: ThreadSanitizer over the concurrent parts: callback_tests (receiver, durable
#      queue, processor) and daemon_tests (the work loop, the audit outbox).
# Any sanitizer report or fuzz finding fails the stage. Build dirs are separate from build/ and
# ccache is used when installed, so repeated runs rebuild only what changed.
# Usage: scripts/sanitizers.sh [asan|tsan|fuzz]...   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(asan fuzz tsan)

asan_tests=(unit_tests store_tests sync_tests audit_tests fuzz_regression_tests callback_tests)
tsan_tests=(callback_tests daemon_tests)
fuzz_targets=(observation resource_stream notification callback_request mappings config roster decimal)

configure() {  # DIR, extra cmake options...
  local dir=$1
  shift
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$dir" -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DFHIR_ADAPTER_BUILD_TESTS=ON -DFHIR_ADAPTER_BUILD_BENCH=OFF \
    -DFHIR_ADAPTER_SKIP_INTEGRATION=ON "${launcher[@]}" "$@" >/dev/null
}

timed() {  # LABEL, command...
  local label=$1 start=$SECONDS
  shift
  "$@"
  echo "-- $label: $((SECONDS - start)) s"
}

run_tests() {  # DIR, binaries...
  local dir=$1 t
  shift
  for t in "$@"; do
    echo "-- $t"
    "$dir/tests/$t" --gtest_brief=1
  done
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

fuzz_briefly() {
  local seconds=${FA_FUZZ_SECONDS:-10} scratch name
  scratch=$(mktemp -d)
  for name in "${fuzz_targets[@]}"; do
    mkdir -p "$scratch/$name"
    # New inputs go to the scratch folder (first), never into the committed corpus.
    if ! build-asan/fuzz/fuzz_"$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$scratch/$name-" "$scratch/$name" "fuzz/corpus/$name" "fuzz/regressions/$name" \
      >"$scratch/$name.log" 2>&1; then
      tail -n 60 "$scratch/$name.log"
      echo "fuzz_$name found a problem; the input is in $scratch (keep it under fuzz/regressions/$name/)" >&2
      exit 1
    fi
    echo "-- fuzz_$name: $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$scratch/$name.log" | grep -o '[0-9]*$') runs"
  done
  rm -rf "$scratch"
}

for stage in "${stages[@]}"; do
  case $stage in
    asan)
      echo "== ASan+UBSan build (build-asan)"
      configure build-asan -DFHIR_ADAPTER_FUZZ=ON
      timed "build" cmake --build build-asan -j "$jobs" --target "${asan_tests[@]}"
      timed "tests under ASan+UBSan" run_tests build-asan "${asan_tests[@]}"
      ;;
    fuzz)
      echo "== fuzz targets, ${FA_FUZZ_SECONDS:-10} s each (build-asan)"
      configure build-asan -DFHIR_ADAPTER_FUZZ=ON
      timed "build" cmake --build build-asan -j "$jobs" --target "${fuzz_targets[@]/#/fuzz_}"
      timed "fuzzing" fuzz_briefly
      ;;
    tsan)
      echo "== ThreadSanitizer build (build-tsan)"
      configure build-tsan -DFHIR_ADAPTER_SANITIZE=thread
      timed "build" cmake --build build-tsan -j "$jobs" --target "${tsan_tests[@]}"
      timed "tests under TSan" run_tests build-tsan "${tsan_tests[@]}"
      ;;
    *)
      echo "usage: scripts/sanitizers.sh [asan|tsan|fuzz]..." >&2
      exit 2
      ;;
  esac
done
