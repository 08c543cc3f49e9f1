#!/usr/bin/env bash
# A long fuzzing campaign, outside CI (which runs each target for 5 s): the stage fuzz-long of
# scripts/sanitizers.sh, which says what it builds and runs. Targets as arguments (default all);
# FA_FUZZ_RUNS (default 10,000,000), FA_FUZZ_MAX_SECONDS (default 3600) and FA_FUZZ_OUT as there.
# Usage: scripts/fuzz-long.sh [target...]   e.g. FA_FUZZ_RUNS=1000000 scripts/fuzz-long.sh mappings config
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] && export FA_FUZZ_TARGETS="$*"
exec scripts/sanitizers.sh fuzz-long
