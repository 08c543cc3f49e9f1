#!/usr/bin/env bash
# deploy_example_config_offline: deploy/adapter.toml is a working configuration.
# The example names files of an installed system (/etc/fhir-adapter/..., /var/lib/fhir-adapter,
# /var/log/fhir-adapter, /usr/share/fhir-adapter/fhir-mappings) that do not exist here, so each run works on a copy
# with only those path prefixes moved into a temporary root, every file the copy names made
# there (secrets, certificates, the roster from tests/data), and fhir-mappings/ of this checkout.
# Checked with `fhir-adapter check-config --offline`, which must say "ready to run":
#   1. the example exactly as shipped (auth = "smart-backend");
#   2. the example with every commented-out setting switched on too (`# key = value` lines and
#      the `# [callback]` section), once per auth mode (none, basic, bearer, smart-backend): so
#      every key the example documents is a key the daemon knows, with a valid value;
#   3. a copy with a misspelt key must be refused (exit 2, "unknown key"): the check is live;
#   4. every key the daemon accepts (knownKeys() in adapter/daemon/daemon_config.cpp) appears in
#      the example, set or commented out, in its section.
set -euo pipefail
source_dir=${FA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
binary=${FA_BINARY:-$source_dir/build/fhir-adapter}
example=$source_dir/deploy/adapter.toml
[ -x "$binary" ] || { echo "FAIL: no binary at $binary (build first)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

# Installed-system paths -> the temporary root; mappings -> this checkout's fhir-mappings/.
relocate() {
  sed -e "s#\"/usr/share/fhir-adapter/fhir-mappings\"#\"$source_dir/fhir-mappings\"#g" \
      -e "s#\"/etc/fhir-adapter/#\"$root/etc/fhir-adapter/#g" \
      -e "s#\"/var/lib/fhir-adapter#\"$root/var/lib/fhir-adapter#g" \
      -e "s#\"/var/log/fhir-adapter#\"$root/var/log/fhir-adapter#g" "$1"
}

# Every string value naming a file under the temporary root: make it (parents too).
make_named_files() {
  grep -o "\"$root/etc/[^\"]*\"" "$1" | tr -d '"' | sort -u | while read -r f; do
    mkdir -p "$(dirname "$f")"
    case "$f" in
      */subjects.csv) cp "$source_dir/tests/data/cli/roster.csv" "$f" ;;
      */proxy-credentials) printf 'fhir-adapter:not-a-real-password\n' >"$f"; chmod 600 "$f" ;;
      *) [ -e "$f" ] || { printf 'not-a-real-secret-but-long-enough-for-any-key-check\n' >"$f"; chmod 600 "$f"; } ;;
    esac
  done
}

# Switch on every commented-out `# key = value` setting and the `# [section]` headers, leaving
# prose comments alone (a value must be a whole TOML string, integer or boolean).
uncomment_all() {
  sed -E -e 's/^# (\[[a-z]+\])[[:space:]]*$/\1/' \
         -e 's/^# ([a-z_]+ = ("[^"]*"|[0-9]+|true|false))([[:space:]]+#.*)?[[:space:]]*$/\1\3/' "$1"
}

check() {  # label, config file
  local out status=0
  out=$("$binary" check-config --config "$2" --offline 2>&1) || status=$?
  if [ "$status" -ne 0 ] || ! grep -q "is ready to run" <<<"$out"; then
    echo "FAIL: $1: check-config --offline exit $status"
    echo "$out"
    echo "--- config:"
    cat "$2"
    exit 1
  fi
  echo "ok: $1"
}

# 1. As shipped.
relocate "$example" >"$tmp/as-shipped.toml"
make_named_files "$tmp/as-shipped.toml"
check "deploy/adapter.toml as shipped" "$tmp/as-shipped.toml"

# 2. Every documented setting on, per auth mode.
uncomment_all "$example" | relocate /dev/stdin >"$tmp/all.toml"
make_named_files "$tmp/all.toml"
commented=$(grep -cE '^# ([a-z_]+ = ("[^"]*"|[0-9]+|true|false))([[:space:]]+#.*)?[[:space:]]*$' "$example" || true)
grep -q '^\[callback\]' "$tmp/all.toml" || { echo "FAIL: the [callback] section was not switched on"; exit 1; }
[ "$commented" -ge 10 ] || { echo "FAIL: only $commented commented-out settings found; did the example's format change?"; exit 1; }
if grep -nE '^#[[:space:]]*[a-z_]+[[:space:]]*=[[:space:]]*("[^"]*"|[0-9]+|true|false)[[:space:]]*(#.*)?$' "$tmp/all.toml"; then
  echo "FAIL: commented-out settings above are not in the '# key = value' form this test switches on"
  exit 1
fi
for auth in none basic bearer smart-backend; do
  sed -E "s/^auth = \"[a-z-]+\"/auth = \"$auth\"/" "$tmp/all.toml" >"$tmp/all-$auth.toml"
  grep -q "^auth = \"$auth\"" "$tmp/all-$auth.toml" || { echo "FAIL: could not set auth = $auth"; exit 1; }
  check "every setting of deploy/adapter.toml on ($commented commented-out ones), auth = $auth" "$tmp/all-$auth.toml"
done

# 3. The check is live: a misspelt key is refused.
sed 's/^interval_seconds = /interval_second = /' "$tmp/as-shipped.toml" >"$tmp/typo.toml"
status=0
out=$("$binary" check-config --config "$tmp/typo.toml" --offline 2>&1) || status=$?
if [ "$status" -ne 2 ] || ! grep -q "interval_second: unknown key" <<<"$out"; then
  echo "FAIL: a misspelt key was not refused (exit $status):"
  echo "$out"
  exit 1
fi
echo "ok: a misspelt key is refused (exit 2)"

# 4. Every key the daemon knows (knownKeys() in adapter/daemon/daemon_config.cpp) is documented
#    in the example, set or commented out.
known=$(python3 - "$source_dir/adapter/daemon/daemon_config.cpp" <<'PY' 2>/dev/null || true
import re, sys
src = open(sys.argv[1]).read()
m = re.search(r'knownKeys\(\)\s*\{(.*?)return keys;', src, re.S)
if m:
    for section, keys in re.findall(r'\{"([a-z_]+)",\s*\{([^}]*)\}\}', m.group(1)):
        for key in re.findall(r'"([a-z_]+)"', keys):
            print(f"{section}.{key}")
PY
)
if [ -z "$known" ]; then
  echo "note: knownKeys() not found in adapter/daemon/daemon_config.cpp; key coverage not checked"
  exit 0
fi
missing=()
while read -r sk; do
  section=${sk%%.*} key=${sk#*.}
  # The key, set or commented out, inside its [section] (also a commented-out "# [section]").
  awk -v s="$section" -v k="$key" '
    /^#? ?\[[a-z_]+\][[:space:]]*$/ { sub(/^#? ?\[/, ""); sub(/\].*$/, ""); cur = $0; next }
    cur == s && $0 ~ "^#? ?" k " = " { found = 1 }
    END { exit !found }' "$example" || missing+=("[$section] $key")
done <<<"$known"
if [ "${#missing[@]}" -gt 0 ]; then
  echo "FAIL: deploy/adapter.toml does not document: ${missing[*]}"
  exit 1
fi
echo "ok: all $(wc -l <<<"$known") keys the daemon knows are documented in deploy/adapter.toml"
