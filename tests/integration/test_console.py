"""The review console end to end: the daemon against the sandbox FHIR server seeded with the
synthetic cohort, a monitor account made by `fhir-adapter user add`, the browser walk of
test_console.mjs (real headless Chromium), and hostile requests on the wire: plain HTTP,
no session, a CSRF token from another session, login brute force, oversized forms."""
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import unittest
import urllib.parse

import harness as h

PASSWORD = "correct horse battery staple"
ARTIFACTS = os.environ.get("FA_ARTIFACTS", os.path.join(h.SOURCE_DIR, "build", "artifacts"))


class ConsoleDaemon:
    """fhir-adapter run with [review]; the console's address from its console_listening line."""

    def __init__(self, config):
        self.proc = subprocess.Popen([h.BINARY, "run", "--config", config], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lines, self.url = [], None
        self.ready, self.synced = threading.Event(), threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(60):
            raise RuntimeError("no console_listening line:\n" + "\n".join(self.lines[-20:]))
        if not self.synced.wait(120):
            raise RuntimeError("no first sync_pass:\n" + "\n".join(self.lines[-20:]))

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())
            if '"event":"console_listening"' in line:
                self.url = json.loads(line)["address"]
                self.ready.set()
            if '"event":"sync_pass"' in line:
                self.synced.set()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(60)


class Client:
    """One HTTPS connection per request to the console (the development CA is not checked)."""

    def __init__(self, port):
        self.port = port
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE
        self.cookie = None

    def request(self, method, path, form=None, raw_body=None):
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)
        headers = {}
        body = raw_body
        if form is not None:
            body = urllib.parse.urlencode(form)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            headers["Cookie"] = "fa_session=" + self.cookie
        try:
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            text = r.read().decode(errors="replace")
            m = re.search(r"fa_session=([0-9a-f]{64})", r.getheader("Set-Cookie") or "")
            if m:
                self.cookie = m.group(1)
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), text
        finally:
            c.close()

    def csrf(self, path):
        _, _, text = self.request("GET", path)
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', text)
        return m.group(1) if m else ""

    def sign_in(self, login, password):
        token = self.csrf("/login")
        status, headers, _ = self.request("POST", "/login", {"csrf": token, "login": login, "password": password})
        return status


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir()
        cls.work = cls.tmp.__enter__()
        certs = h.make_dev_certs(os.path.join(cls.work, "certs"))
        cohort = os.path.join(cls.work, "cohort")
        h.generate_cohort(cohort, with_deletes=False)
        cls.sandbox = h.Sandbox(seed_dir=cohort)
        cls.config = h.write_config(cls.work, cls.sandbox.base, os.path.join(cohort, "subjects.csv"),
                                    fhir={"page_size": 200}, sync={"interval_seconds": 2})
        with open(cls.config, "a") as f:
            f.write("\n[review]\nlisten = \"127.0.0.1:0\"\n"
                    f"cert = \"{os.path.join(certs, 'server.crt')}\"\nkey = \"{os.path.join(certs, 'server.key')}\"\n"
                    "users_file = \"review-users\"\n")
        pw = os.path.join(cls.work, "pw")
        with open(pw, "w") as f:
            f.write(PASSWORD + "\n")
        for login, name, role in [("jsmith", "J. Smith", "monitor"), ("victim", "V. Ictim", "monitor"),
                                  ("dm", "D. Manager", "data-manager")]:
            r = h.run("user", "add", "--config", cls.config, "--login", login, "--name", name, "--role", role,
                      "--password-file", pw)
            assert r.returncode == 0, r.stderr
        cls.daemon = ConsoleDaemon(cls.config)
        cls.port = int(cls.daemon.url.rstrip("/").rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.sandbox.stop()
        cls.tmp.__exit__(None, None, None)

    def test_browser_walk(self):
        env = dict(os.environ, CONSOLE_URL=self.daemon.url, FHIR_BASE=self.sandbox.base, ARTIFACTS=ARTIFACTS,
                   CONSOLE_LOGIN="jsmith", CONSOLE_PASSWORD=PASSWORD, FA_SOURCE_DIR=h.SOURCE_DIR)
        r = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "test_console.mjs")], env=env,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        seen = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertTrue(seen["ok"])
        self.assertRegex(seen["signature"], r"^Signed by J\. Smith \(jsmith\), .*meaning: reviewed$")
        for name in ("console-queue.png", "console-subject.png", "console-signed-record.png"):
            self.assertGreater(os.path.getsize(os.path.join(ARTIFACTS, name)), 10_000, name)
        verify = h.run("audit", "verify", "--config", self.config)
        self.assertEqual(verify.returncode, 0, verify.stderr)
        entries = [e for e in h.audit_entries(self.config) if e["action"] == "review_overridden"]
        signed = [e for e in entries if e["details"].get("signer_login") == "jsmith"]
        self.assertTrue(signed)
        self.assertEqual(signed[-1]["details"]["signature_meaning"], "reviewed")
        self.assertEqual(signed[-1]["details"]["reason_code"], "haemolysed sample")
        self.assertNotIn("password", json.dumps(signed[-1]))
        # The new source version left its trace: the record changed after the signature.
        changed = [e for e in h.audit_entries(self.config)
                   if e["action"] == "record_updated" and e["record_key"] == seen["record"] and e["seq"] > signed[-1]["seq"]]
        self.assertTrue(changed)

    def test_accounts_cli(self):
        listing = h.run("user", "list", "--config", self.config)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertRegex(listing.stdout, r"jsmith\s+monitor\s+active")
        self.assertNotIn("argon2", listing.stdout)  # never the hashes
        users = os.path.join(self.work, "review-users")
        self.assertEqual(os.stat(users).st_mode & 0o777, 0o600)
        with open(users) as f:
            text = f.read()
        self.assertNotIn(PASSWORD, text)
        self.assertIn("$argon2id$v=19$m=19456,t=2,p=1$", text)
        again = h.run("user", "add", "--config", self.config, "--login", "jsmith", "--name", "X", "--password-file",
                      os.path.join(self.work, "pw"))
        self.assertEqual(again.returncode, 2)
        added = [e for e in h.audit_entries(self.config) if e["action"] == "account_added"]
        self.assertEqual(sorted(e["details"]["login"] for e in added), ["dm", "jsmith", "victim"])
        self.assertNotIn(PASSWORD, json.dumps(added))

    def test_cli_review_signs_with_the_same_rules(self):
        rec = next(r for r in h.records(self.config) if r["status"] != "retracted" and r["flag"] == "high")
        obs = rec["observation"].split("/")[1]
        pw = os.path.join(self.work, "pw")
        r = h.run("review", "override", "--config", self.config, "--login", "jsmith", "--password-file", pw,
                  "--observation", obs, "--flag", "normal", "--reason-code", "haemolysed sample", "--meaning", "approved")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("by J. Smith (jsmith), signed: approved: audit entry", r.stdout)
        entry = [e for e in h.audit_entries(self.config) if e["record_key"] == obs and e["action"] == "review_overridden"][-1]
        self.assertEqual(entry["details"]["signer_name"], "J. Smith")
        self.assertEqual(entry["details"]["signature_meaning"], "approved")
        # The console's rules: no listed reason, the record's own flag, a wrong password: refused, nothing written.
        for extra in (["--flag", "normal", "--reason-code", "because"], ["--flag", "high", "--reason-code", "other"]):
            r = h.run("review", "override", "--config", self.config, "--login", "jsmith", "--password-file", pw,
                      "--observation", obs, *extra)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        bad = os.path.join(self.work, "badpw")
        with open(bad, "w") as f:
            f.write("not the password at all\n")
        r = h.run("review", "accept", "--config", self.config, "--login", "jsmith", "--password-file", bad,
                  "--observation", obs)
        self.assertEqual(r.returncode, 2)
        # A data manager's review through the CLI is unsigned.
        r = h.run("review", "accept", "--config", self.config, "--login", "dm", "--password-file", pw, "--observation", obs)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(dm), unsigned: audit entry", r.stdout)

    def test_plain_http_is_refused(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = s.recv(4096).decode(errors="replace")
        self.assertTrue(answer.startswith("HTTP/1.1 400"), answer)
        self.assertIn("HTTPS only", answer)

    def test_no_session_gets_nothing(self):
        c = Client(self.port)
        status, headers, body = c.request("GET", "/")
        self.assertEqual(status, 303)
        self.assertEqual(headers["location"], "/login")
        status, _, _ = c.request("POST", "/review", {"csrf": "0" * 64, "id": "x"})
        self.assertEqual(status, 403)
        for name in ("content-security-policy", "x-content-type-options", "referrer-policy", "cache-control"):
            self.assertIn(name, headers)
        self.assertIn("frame-ancestors 'none'", headers["content-security-policy"])

    def test_csrf_token_of_another_session_is_refused(self):
        mine, theirs = Client(self.port), Client(self.port)
        self.assertEqual(mine.sign_in("dm", PASSWORD), 303)
        self.assertEqual(theirs.sign_in("dm", PASSWORD), 303)
        stolen = theirs.csrf("/")
        status, _, body = mine.request("POST", "/logout", {"csrf": stolen})
        self.assertEqual(status, 403)
        self.assertIn("CSRF", body)
        status, _, _ = mine.request("GET", "/")
        self.assertEqual(status, 200)  # still signed in: the forged logout did nothing

    def test_login_brute_force_locks_the_account(self):
        c = Client(self.port)
        statuses = [c.sign_in("victim", f"guess number {i}") for i in range(6)]
        self.assertEqual(statuses[:5], [401] * 5)
        self.assertEqual(statuses[5], 429)  # locked
        self.assertEqual(Client(self.port).sign_in("victim", PASSWORD), 429)  # the right password too, while locked
        locks = [e for e in h.audit_entries(self.config) if e["action"] == "account_locked"]
        self.assertEqual([e["details"]["login"] for e in locks], ["victim"])

    def test_oversized_forms_are_refused(self):
        c = Client(self.port)
        self.assertEqual(c.sign_in("dm", PASSWORD), 303)
        token = c.csrf("/")
        status, _, _ = c.request("POST", "/review", raw_body="csrf=" + token + "&note=" + "x" * (70 * 1024))
        self.assertEqual(status, 413)  # over the listener's 64 KiB body limit
        status, _, _ = c.request("POST", "/review", raw_body="csrf=" + token + "&note=" + "x" * 5000)
        self.assertEqual(status, 413)  # over the form's 4 KiB field limit


if __name__ == "__main__":
    unittest.main()
