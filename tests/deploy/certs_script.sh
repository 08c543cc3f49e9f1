#!/usr/bin/env bash
# certs_script: certs/make-dev-certs.sh, run from the checkout into a new temporary folder, makes
# a CA, a server and a client certificate that chain to it (openssl verify, with the TLS purpose
# of each), the server certificate names DNS:localhost and IP:127.0.0.1, the client certificate
# has extendedKeyUsage clientAuth, every key is mode 0600 and matches its certificate; a second
# run keeps everything (idempotent); and git would commit nothing from certs/ but the script,
# its README and .gitignore.
set -euo pipefail
source_dir=${FA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
script=$source_dir/certs/make-dev-certs.sh
command -v openssl >/dev/null 2>&1 || { echo "FAIL: openssl is not installed"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/certs
fail() { echo "FAIL: $*"; exit 1; }

"$script" "$out" >"$tmp/first.log" 2>&1 || { cat "$tmp/first.log"; fail "make-dev-certs.sh exited non-zero"; }
cat "$tmp/first.log"
for f in ca.crt ca.key server.crt server.key client.crt client.key; do
  [ -f "$out/$f" ] || fail "$f was not made"
done

openssl verify -CAfile "$out/ca.crt" -purpose sslserver "$out/server.crt" || fail "server.crt does not chain to ca.crt as a TLS server"
openssl verify -CAfile "$out/ca.crt" -purpose sslclient "$out/client.crt" || fail "client.crt does not chain to ca.crt as a TLS client"
if openssl verify -CAfile "$out/ca.crt" -purpose sslclient "$out/server.crt" >/dev/null 2>&1; then
  fail "server.crt is also accepted as a client certificate"
fi

openssl x509 -in "$out/server.crt" -noout -checkhost localhost | grep -q "does match" || fail "server.crt lacks DNS:localhost"
openssl x509 -in "$out/server.crt" -noout -checkip 127.0.0.1 | grep -q "does match" || fail "server.crt lacks IP:127.0.0.1"
san=$(openssl x509 -in "$out/server.crt" -noout -ext subjectAltName)
grep -q "DNS:localhost" <<<"$san" || fail "server SAN is: $san"
grep -q "IP Address:127.0.0.1" <<<"$san" || fail "server SAN is: $san"
openssl x509 -in "$out/client.crt" -noout -ext extendedKeyUsage | grep -q "TLS Web Client Authentication" ||
  fail "client.crt lacks extendedKeyUsage clientAuth"
openssl x509 -in "$out/ca.crt" -noout -ext basicConstraints | grep -q "CA:TRUE" || fail "ca.crt is not a CA"
echo "ok: server and client chain to the CA; server SAN DNS:localhost, IP:127.0.0.1; client EKU clientAuth"

for name in ca server client; do
  mode=$(stat -c %a "$out/$name.key")
  [ "$mode" = 600 ] || fail "$name.key has mode $mode, not 600"
  [ "$(openssl pkey -in "$out/$name.key" -pubout)" = "$(openssl x509 -in "$out/$name.crt" -noout -pubkey)" ] ||
    fail "$name.key does not match $name.crt"
  openssl pkey -in "$out/$name.key" -noout -text | grep -qE "P-256|prime256v1" || fail "$name.key is not EC P-256"
done
echo "ok: keys are EC P-256, mode 0600, and match their certificates"

# A real mutual-TLS handshake on 127.0.0.1 with these files: the server demands and verifies the
# client certificate, the client verifies the server's name (localhost) against the CA.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 28443)
openssl s_server -quiet -accept "127.0.0.1:$port" -naccept 1 -www -cert "$out/server.crt" -key "$out/server.key" \
  -CAfile "$out/ca.crt" -Verify 1 -verify_return_error >"$tmp/s_server.log" 2>&1 &
server_pid=$!
handshake=
for _ in $(seq 1 50); do
  handshake=$( (printf 'GET / HTTP/1.0\r\n\r\n'; sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
    -verify_hostname localhost -verify_return_error -CAfile "$out/ca.crt" \
    -cert "$out/client.crt" -key "$out/client.key" 2>&1) && break
  grep -q "Connection refused\|connect:errno" <<<"$handshake" || break
  sleep 0.2
done
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
if ! grep -q "Verify return code: 0 (ok)" <<<"$handshake" || ! grep -q "HTTP/1.0 200 ok" <<<"$handshake"; then
  echo "$handshake" | tail -20
  cat "$tmp/s_server.log"
  fail "mTLS handshake failed"
fi
echo "ok: mutual TLS handshake on 127.0.0.1:$port (server verified as localhost, client certificate accepted)"

sums=$(cd "$out" && sha256sum ./*)
"$script" "$out" >"$tmp/second.log" 2>&1 || { cat "$tmp/second.log"; fail "second run exited non-zero"; }
[ "$(cd "$out" && sha256sum ./*)" = "$sums" ] || fail "a second run changed files (not idempotent)"
[ "$(grep -c '^kept' "$tmp/second.log")" = 3 ] || { cat "$tmp/second.log"; fail "a second run did not keep all three"; }
echo "ok: a second run keeps everything"

# Nothing made in certs/ can be committed.
if command -v git >/dev/null 2>&1 && git -C "$source_dir" rev-parse --git-dir >/dev/null 2>&1; then
  for f in ca.key ca.crt server.pem client.p12 ca.srl server.csr; do
    git -C "$source_dir" check-ignore -q "certs/$f" || fail "certs/$f would not be ignored by git"
  done
  for f in make-dev-certs.sh README.md; do
    if git -C "$source_dir" check-ignore -q "certs/$f"; then fail "certs/$f is ignored by git"; fi
  done
  echo "ok: git ignores keys and certificates in certs/"
fi
