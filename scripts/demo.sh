#!/usr/bin/env bash
# The main job on an embedded default: installs, builds, generates the synthetic 30-subject
# NCT05106972 cohort, maps it with the default fhir-mappings/ and prints the outcome tables.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm ci --prefix sandbox --no-audit --no-fund --loglevel=error
scripts/build.sh
work=var/demo
mkdir -p "$work"
node sandbox/cohort/generate.mjs --out "$work/cohort" >/dev/null
echo "== fhir-adapter map over the synthetic cohort ($work/cohort)"
# Exit 1 is expected: the cohort holds two Observations with an unknown modifierExtension,
# which must be rejected (and are named on standard error).
build/fhir-adapter map --mappings fhir-mappings --subjects "$work/cohort/subjects.csv" \
  --output "$work/records.ndjson" "$work/cohort/observations.ndjson" "$work/cohort/patients.ndjson" || [ $? -eq 1 ]
echo "== records: $work/records.ndjson ($(wc -l <"$work/records.ndjson") records); first three:"
head -n 3 "$work/records.ndjson"
echo
build/fhir-adapter report --mappings fhir-mappings "$work/records.ndjson"
