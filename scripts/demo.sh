#!/usr/bin/env bash
# The main job on an embedded default. Installs what is needed and builds; starts the sandbox
# FHIR server seeded with the synthetic 30-subject NCT05106972 cohort; runs the daemon until it
# has caught up and prints the outcome tables; then keeps the daemon running (every 10 s) so a
# new Observation added to the sandbox shows up. Ctrl-C stops both.
#
# Ports (8080 is often taken on hospital machines): --fhir-port N (or FHIR_PORT, default 8080)
# for the sandbox server, --metrics-port N (or METRICS_PORT, default 9464) for /metrics.
set -euo pipefail
fhir_port=${FHIR_PORT:-8080}
metrics_port=${METRICS_PORT:-9464}
while [ $# -gt 0 ]; do
  case $1 in
    --fhir-port) fhir_port=$2; shift 2 ;;
    --metrics-port) metrics_port=$2; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--fhir-port N] [--metrics-port N]" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm ci --prefix sandbox --no-audit --no-fund --loglevel=error
scripts/build.sh -DFHIR_ADAPTER_BUILD_TESTS=OFF -DFHIR_ADAPTER_BUILD_BENCH=OFF

work=$PWD/var/demo
rm -rf "$work"
mkdir -p "$work"
# The cohort ends before today, so the sandbox server never seeds a future timestamp and its
# clock stays real: a result added now gets today's lastUpdated, like the audit log.
node sandbox/cohort/generate.mjs --out "$work/cohort" --end "$(date -u +%F)" >/dev/null

node sandbox/server.mjs --port "$fhir_port" --seed-dir "$work/cohort" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  grep -q "listening on" "$work/sandbox.log" && break
  kill -0 $sandbox_pid 2>/dev/null || { cat "$work/sandbox.log"; exit 1; }
  sleep 0.5
done
base=$(grep -o 'http://[^ ]*/fhir' "$work/sandbox.log" | head -1)
echo "== sandbox FHIR server: $base (seeded: $(grep -o 'seeded.*' "$work/sandbox.log"))"

cat >"$work/adapter.toml" <<TOML
# Demo configuration: every setting is documented in deploy/adapter.toml.
[fhir]
base_url = "$base"
auth = "none"
page_size = 200

[trial]
mappings = "$PWD/fhir-mappings"
subjects = "cohort/subjects.csv"

[store]
path = "var/adapter.db"

[audit]
dir = "var/audit"

[http]
listen = "127.0.0.1:$metrics_port"

[sync]
interval_seconds = 10

[review]
listen = "127.0.0.1:${CONSOLE_PORT:-8444}"
cert = "certs/server.crt"
key = "certs/server.key"
users_file = "review-users"
TOML
# The review console: development certificates and one demo monitor account.
bash certs/make-dev-certs.sh "$work/certs" >/dev/null
demo_password="demo-monitor-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$demo_password" >"$work/demo-password"
build/fhir-adapter user add --config "$work/adapter.toml" --login demo --name "Demo Monitor" --role monitor \
  --password-file "$work/demo-password" >/dev/null

build/fhir-adapter check-config --config "$work/adapter.toml"
echo "== first load: fhir-adapter run --once"
build/fhir-adapter run --once --config "$work/adapter.toml" 2>"$work/first-load.log"
grep '"event":"sync_pass"' "$work/first-load.log"
build/fhir-adapter records --config "$work/adapter.toml" >"$work/records.ndjson"
echo "== $(wc -l <"$work/records.ndjson") records in $work/adapter.db; outcome tables:"
echo
build/fhir-adapter report --config "$work/adapter.toml"
build/fhir-adapter report --config "$work/adapter.toml" --format html --output "$work/report.html"
echo "== the same report as one self-contained page (charts, a section per subject): $work/report.html"

subject_patient=$(sed -n '2p' "$work/cohort/subjects.csv" | cut -d, -f2)
cat <<HELP

== the daemon keeps running (poll every 10 s; metrics on http://127.0.0.1:$metrics_port/metrics).
   Add a result in another terminal, then watch it arrive:
     curl -s -X PUT -H 'Content-Type: application/fhir+json' $base/Observation/demo-1 -d '{"resourceType":"Observation","id":"demo-1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"1975-2"}]},"subject":{"reference":"$subject_patient"},"effectiveDateTime":"$(date +%F)","valueQuantity":{"value":88,"unit":"umol/L","system":"http://unitsofmeasure.org","code":"umol/L"}}'
     build/fhir-adapter records --config $work/adapter.toml | grep demo-1
   Review console: https://127.0.0.1:${CONSOLE_PORT:-8444}/  (login demo, password $demo_password;
   development certificate: accept it in the browser, or trust $work/certs/ca.crt)
   Ctrl-C stops the daemon and the sandbox.
HELP
build/fhir-adapter run --config "$work/adapter.toml"
