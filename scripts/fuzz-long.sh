#!/usr/bin/env bash
# A long fuzzing campaign (not part of CI, which runs each target for 5 s in
# scripts/sanitizers.sh): builds the libFuzzer targets with clang 14 under ASan+UBSan at -O1
# (twice the executions per second of CI's -O0 build) into build-fuzz/, then runs each target in
# turn until FA_FUZZ_RUNS executions (default 10,000,000) or FA_FUZZ_MAX_SECONDS (default 3600)
# per target, whichever comes first. New inputs go to a scratch corpus, never into fuzz/corpus;
# a finding stops that target and its input is left in $FA_FUZZ_OUT/<target>-crash-* to keep
# under fuzz/regressions/<target>/. Prints one line per target: executions, seconds, exec/s.
# Usage: scripts/fuzz-long.sh [target...]   (default: every target; nice -n 19 for a shared box)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
runs=${FA_FUZZ_RUNS:-10000000}
max_seconds=${FA_FUZZ_MAX_SECONDS:-3600}
out=${FA_FUZZ_OUT:-$(mktemp -d)}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(observation resource_stream notification callback_request mappings config roster decimal)

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DFHIR_ADAPTER_BUILD_TESTS=OFF -DFHIR_ADAPTER_BUILD_BENCH=OFF -DFHIR_ADAPTER_FUZZ=ON \
  "${launcher[@]}" >/dev/null
cmake --build build-fuzz -j "$jobs" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for name in "${targets[@]}"; do
  mkdir -p "$out/$name"
  inputs=("$out/$name" "fuzz/corpus/$name")
  [ -d "fuzz/regressions/$name" ] && inputs+=("fuzz/regressions/$name")
  start=$SECONDS
  if ! build-fuzz/fuzz/fuzz_"$name" -runs="$runs" -max_total_time="$max_seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/$name-" "${inputs[@]}" >"$out/$name.log" 2>&1; then
    echo "fuzz_$name: a finding, see $out/$name.log" >&2
    status=1
  fi
  seconds=$((SECONDS - start))
  executed=$(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$out/$name.log" | grep -o '[0-9]*$' || echo 0)
  echo "fuzz_$name: $executed executions in $seconds s ($((executed / (seconds > 0 ? seconds : 1))) exec/s)"
done
echo "logs and new inputs: $out"
exit $status
