#!/usr/bin/env bash
# Makes a DEVELOPMENT PKI for fhir-adapter's tests and demo (never for production: see
# certs/README.md for the hospital's own PKI):
#   ca.crt ca.key                 a development CA (EC P-256, 10 years)
#   server.crt server.key         server certificate, SAN DNS:localhost and IP:127.0.0.1
#                                 (plus $FA_CERT_EXTRA_SANS, e.g. "DNS:fhir.test,IP:127.0.0.2"),
#                                 extendedKeyUsage serverAuth (397 days)
#   client.crt client.key         client certificate for mTLS, CN fhir-adapter,
#                                 extendedKeyUsage clientAuth (397 days)
# Usage: certs/make-dev-certs.sh OUTDIR
# Idempotent: a file that is still good is kept. The CA is made only when absent (or expiring);
# a leaf certificate is made again when it is absent, expires within 30 days, no longer chains
# to the CA, or its SANs changed. Keys are mode 0600 and never leave OUTDIR; keep OUTDIR out of
# the repository (certs/.gitignore refuses everything in certs/ but the script and README).
# Needs only the openssl command-line tool (OpenSSL 3).
set -euo pipefail

if [ $# -ne 1 ] || [ "${1:0:1}" = "-" ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
command -v openssl >/dev/null 2>&1 || { echo "$0: the openssl command is needed (apt-get install openssl)" >&2; exit 2; }

out=$1
umask 077                           # keys are never readable by others, not even briefly
if [ ! -d "$out" ]; then                 # certificates are public; the keys are 0600
  mkdir -p "$(dirname "$out")"
  mkdir -m 0755 "$out"
fi
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ca_days=3650
leaf_days=397
renew_seconds=$((30 * 86400))
server_sans="DNS:localhost,IP:127.0.0.1${FA_CERT_EXTRA_SANS:+,$FA_CERT_EXTRA_SANS}"

say() { printf '%-8s %s\n' "$1" "$2"; }

new_key() {  # EC P-256, PKCS#8 PEM, 0600
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  chmod 600 "$1"
}

key_matches() {  # key file, certificate file
  [ "$(openssl pkey -in "$1" -pubout 2>/dev/null)" = "$(openssl x509 -in "$2" -noout -pubkey 2>/dev/null)" ]
}

sans_of() {  # the certificate's subjectAltName, normalised to "DNS:a,IP:b"
  openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr -d ' ' | sed 's/IPAddress:/IP:/g'
}

leaf_is_good() {  # name, wanted SANs ("" = do not compare)
  local crt=$out/$1.crt key=$out/$1.key
  [ -f "$crt" ] && [ -f "$key" ] || return 1
  openssl x509 -in "$crt" -noout -checkend "$renew_seconds" >/dev/null 2>&1 || return 1
  openssl verify -CAfile "$out/ca.crt" "$crt" >/dev/null 2>&1 || return 1
  key_matches "$key" "$crt" || return 1
  [ -z "$2" ] || [ "$(sans_of "$crt")" = "$2" ] || return 1
}

# --- CA
ca_made=false
if [ -f "$out/ca.crt" ] && [ -f "$out/ca.key" ] && key_matches "$out/ca.key" "$out/ca.crt" &&
   openssl x509 -in "$out/ca.crt" -noout -checkend "$((leaf_days * 86400))" >/dev/null 2>&1; then
  say kept "$out/ca.crt"
else
  cat >"$work/ca.cnf" <<'CNF'
[req]
prompt = no
distinguished_name = dn
x509_extensions = ca
[dn]
O = fhir-adapter development
CN = fhir-adapter development CA
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF
  new_key "$out/ca.key"
  openssl req -new -x509 -config "$work/ca.cnf" -key "$out/ca.key" -sha256 -days "$ca_days" -out "$out/ca.crt"
  chmod 644 "$out/ca.crt"
  ca_made=true
  say made "$out/ca.crt (and ca.key, 0600)"
fi

# --- leaves
make_leaf() {  # name, subject CN, extendedKeyUsage, SANs
  local name=$1 cn=$2 eku=$3 sans=$4
  if ! $ca_made && leaf_is_good "$name" "$sans"; then
    say kept "$out/$name.crt"
    return
  fi
  {
    echo "basicConstraints = critical, CA:FALSE"
    echo "keyUsage = critical, digitalSignature"
    echo "extendedKeyUsage = $eku"
    echo "subjectKeyIdentifier = hash"
    echo "authorityKeyIdentifier = keyid, issuer"
    [ -z "$sans" ] || echo "subjectAltName = $sans"
  } >"$work/$name.ext"
  new_key "$out/$name.key"
  printf '[req]\nprompt = no\ndistinguished_name = dn\n[dn]\nO = fhir-adapter development\nCN = %s\n' "$cn" >"$work/$name.cnf"
  openssl req -new -config "$work/$name.cnf" -key "$out/$name.key" -out "$work/$name.csr"
  openssl x509 -req -in "$work/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -sha256 -days "$leaf_days" -extfile "$work/$name.ext" -out "$out/$name.crt" 2>"$work/x509.log" ||
    { cat "$work/x509.log" >&2; exit 1; }
  chmod 644 "$out/$name.crt"
  say made "$out/$name.crt (and $name.key, 0600)"
}

make_leaf server localhost serverAuth "$server_sans"
make_leaf client fhir-adapter clientAuth ""

# --- what there is
echo
for name in ca server client; do
  crt=$out/$name.crt
  printf '%s.crt: %s\n' "$name" "$(openssl x509 -in "$crt" -noout -subject -nameopt oneline | sed 's/^subject=//')"
  printf '  expires %s; SHA-256 %s\n' "$(openssl x509 -in "$crt" -noout -enddate | cut -d= -f2)" \
    "$(openssl x509 -in "$crt" -noout -fingerprint -sha256 | cut -d= -f2)"
  san=$(sans_of "$crt")
  eku=$(openssl x509 -in "$crt" -noout -ext extendedKeyUsage 2>/dev/null | tail -n +2 | sed 's/^ *//')
  [ -z "$san" ] || printf '  subjectAltName %s\n' "$san"
  [ -z "$eku" ] || printf '  extendedKeyUsage %s\n' "$eku"
done
echo
echo "keys (mode 0600): $out/ca.key $out/server.key $out/client.key"
echo "adapter.toml: [fhir] ca_file = \"$out/ca.crt\"; client_cert = \"$out/client.crt\"; client_key = \"$out/client.key\""
