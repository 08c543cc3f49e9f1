#!/usr/bin/env bash
# Sanitizer and fuzzing stages (clang 14):
#   1. build-asan: AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer), libFuzzer
#      coverage on, -O0 without -g (FA_SANITIZER_OPT changes it). -O0 because CI has 30 minutes on 2 cores: a Beast translation unit takes 35 s of CPU under
#      ASan at -O0 and 99 s at -O1; the suites run about twice as long, which costs far less.
#      The unit suite, the receiver's suite and the fuzz regression inputs run under it (stage
#      asan; FA_ASAN_DAEMON=1 adds the daemon's suite, which needs the whole CLI built too), then
#      every fuzz target for FA_FUZZ_SECONDS (default 5) on its seed corpus and regression
#      inputs (stage fuzz).
#   2. build-fuzz (stage fuzz-long, outside CI): the fuzz targets alone, ASan+UBSan at -O1 (twice
#      the executions per second of -O0), each run until FA_FUZZ_RUNS executions (default
#      10,000,000) or FA_FUZZ_MAX_SECONDS (default 3600), whichever comes first; FA_FUZZ_TARGETS
#      picks targets (default all), FA_FUZZ_OUT keeps logs, new inputs and findings (default a
#      temporary folder). scripts/fuzz-long.sh is the short way to call it.
#   3. build-tsan: ThreadSanitizer over the concurrent parts (stage tsan): parallel_tests (NDJSON
#      read on worker threads), callback_tests (the receiver's io threads, the durable queue, the
#      processor thread) and daemon_tests (the work loop, the audit outbox, signals, the health
#      listener).
# Any sanitizer report or fuzz finding fails the stage. Build dirs are separate from build/ and
# ccache is used when installed, so repeated runs rebuild only what changed. The stages
# build-asan and build-tsan only build; asan, fuzz and tsan build what is missing and run.
# scripts/test.sh runs asan, fuzz and tsan after ctest (unless FA_SANITIZERS=0).
# Usage: scripts/sanitizers.sh [build-asan|build-tsan|asan|fuzz|tsan|fuzz-long]...   (default: asan fuzz tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(asan fuzz tsan)

asan_tests=(unit_tests parallel_tests fuzz_regression_tests callback_tests)
[ "${FA_ASAN_DAEMON:-0}" = 1 ] && asan_tests+=(daemon_tests)
tsan_tests=(parallel_tests callback_tests daemon_tests)
fuzz_targets=(observation resource_stream notification callback_request mappings config roster decimal)
[ -n "${FA_FUZZ_TARGETS:-}" ] && read -r -a fuzz_targets <<<"$FA_FUZZ_TARGETS"

configure() {  # DIR, OPTIMISATION, extra cmake options...
  local dir=$1 opt=$2
  shift 2
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$dir" -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=$opt" -DFHIR_ADAPTER_BUILD_BENCH=OFF -DFHIR_ADAPTER_SKIP_INTEGRATION=ON "${launcher[@]}" "$@" >/dev/null
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

fuzz_target() {  # BUILD_DIR, NAME, OUT, libFuzzer options...: runs one target, true unless a finding
  local dir=$1 name=$2 out=$3
  shift 3
  mkdir -p "$out/$name"
  # New inputs go to the scratch folder (first), never into the committed corpus; a target
  # without a regression input yet has no folder for it (libFuzzer stops on a missing one).
  local inputs=("$out/$name" "fuzz/corpus/$name")
  [ -d "fuzz/regressions/$name" ] && inputs+=("fuzz/regressions/$name")
  if ! "$dir/fuzz/fuzz_$name" "$@" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/$name-" \
    "${inputs[@]}" >"$out/$name.log" 2>&1; then
    tail -n 60 "$out/$name.log"
    echo "fuzz_$name found a problem; the input is in $out (keep it under fuzz/regressions/$name/)" >&2
    return 1
  fi
}

executions() {  # LOG: what libFuzzer counted
  grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$1" | grep -o '[0-9]*$' || echo 0
}

fuzz_briefly() {
  local scratch name
  scratch=$(mktemp -d)
  for name in "${fuzz_targets[@]}"; do
    fuzz_target build-asan "$name" "$scratch" -max_total_time="${FA_FUZZ_SECONDS:-5}" || exit 1
    echo "-- fuzz_$name: $(executions "$scratch/$name.log") runs"
  done
  rm -rf "$scratch"
}

# One target after another, so each has a core to itself on a 2-core machine; a finding stops
# that target only. Prints executions, seconds and executions per second per target.
fuzz_long() {
  local out=${FA_FUZZ_OUT:-$(mktemp -d)} name start seconds count status=0
  configure build-fuzz -O1 -DFHIR_ADAPTER_BUILD_TESTS=OFF -DFHIR_ADAPTER_FUZZ=ON
  cmake --build build-fuzz -j "$jobs" --target "${fuzz_targets[@]/#/fuzz_}"
  for name in "${fuzz_targets[@]}"; do
    start=$SECONDS
    fuzz_target build-fuzz "$name" "$out" -runs="${FA_FUZZ_RUNS:-10000000}" -max_total_time="${FA_FUZZ_MAX_SECONDS:-3600}" ||
      status=1
    seconds=$((SECONDS - start))
    count=$(executions "$out/$name.log")
    echo "fuzz_$name: $count executions in $seconds s ($((count / (seconds > 0 ? seconds : 1))) exec/s)"
  done
  echo "logs and new inputs: $out"
  return $status
}

build_asan() {
  configure build-asan "${FA_SANITIZER_OPT:--O0}" -DFHIR_ADAPTER_BUILD_TESTS=ON -DFHIR_ADAPTER_FUZZ=ON
  timed "build (ASan+UBSan)" cmake --build build-asan -j "$jobs" --target "${asan_tests[@]}" "${fuzz_targets[@]/#/fuzz_}"
}
build_tsan() {
  configure build-tsan "${FA_SANITIZER_OPT:--O0}" -DFHIR_ADAPTER_BUILD_TESTS=ON -DFHIR_ADAPTER_SANITIZE=thread
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
    fuzz-long) fuzz_long ;;
    *)
      echo "usage: scripts/sanitizers.sh [build-asan|build-tsan|asan|fuzz|tsan|fuzz-long]..." >&2
      exit 2
      ;;
  esac
done
