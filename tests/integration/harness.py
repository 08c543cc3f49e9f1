"""Real components for the integration tests: the sandbox FHIR server (Node, @medplum/fhir-router),
the flaky proxy, and the fhir-adapter binary. Nothing here imitates a FHIR server."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

SOURCE_DIR = os.environ.get("FA_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BINARY = os.environ.get("FA_BINARY", os.path.join(SOURCE_DIR, "build", "fhir-adapter"))
SANDBOX = os.path.join(SOURCE_DIR, "sandbox")
MAPPINGS = os.path.join(SOURCE_DIR, "fhir-mappings")


def _wait_line(proc, needle, timeout=60):
    """Reads proc's stdout until a line contains needle; returns that line."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError(f"process exited ({proc.returncode}) before printing {needle!r}")
            continue
        if needle in line:
            return line.strip()
    raise RuntimeError(f"timed out waiting for {needle!r}")


class Sandbox:
    """The sandbox FHIR server on a free port, optionally seeded with a cohort folder."""

    def __init__(self, seed_dir=None):
        args = ["node", os.path.join(SANDBOX, "server.mjs"), "--port", "0", "--host", "127.0.0.1"]
        if seed_dir:
            args += ["--seed-dir", seed_dir]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = _wait_line(self.proc, "listening on")
        self.base = line.split("listening on ")[1].strip()

    def request(self, method, path, body=None, headers=None):
        url = path if path.startswith("http") else f"{self.base}/{path}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Content-Type", "application/fhir+json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read().decode()
                return r.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            return e.code, json.loads(text) if text else None

    def export_current(self):
        """Every current Observation, as a bulk export would give them (search, all pages)."""
        out = []
        status, bundle = self.request("GET", "Observation?_count=1000&_sort=_lastUpdated")
        while True:
            assert status == 200, status
            out += [e["resource"] for e in bundle.get("entry", [])]
            nxt = [l["url"] for l in bundle.get("link", []) if l["relation"] == "next"]
            if not nxt:
                return out
            status, bundle = self.request("GET", nxt[0])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.proc.stdout.close()


class FlakyProxy:
    def __init__(self, target_origin, plan):
        args = ["node", os.path.join(SANDBOX, "flaky-proxy.mjs"), "--listen", "0", "--target", target_origin,
                "--plan", plan, "--rewrite-links"]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = _wait_line(self.proc, "listening on")
        self.origin = line.split("listening on ")[1].split()[0].rstrip("/")

    def stats(self):
        with urllib.request.urlopen(self.origin + "/__proxy/stats", timeout=10) as r:
            return json.loads(r.read().decode())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()


def generate_cohort(out_dir, with_deletes=True, seed=72):
    subprocess.run(["node", os.path.join(SANDBOX, "cohort", "generate.mjs"), "--out", out_dir, "--seed", str(seed)],
                   check=True, capture_output=True)
    if not with_deletes:
        os.remove(os.path.join(out_dir, "deletes.txt"))


def write_config(work, base_url, subjects, **overrides):
    sync = overrides.pop("sync", {})
    fhir = overrides.pop("fhir", {})
    http_listen = overrides.pop("http_listen", "127.0.0.1:0")
    lines = ["[fhir]", f'base_url = "{base_url}"', 'auth = "none"']
    lines += [f"{k} = {json.dumps(v) if not isinstance(v, bool) else str(v).lower()}" for k, v in fhir.items()]
    lines += ["", "[trial]", f'mappings = "{MAPPINGS}"', f'subjects = "{subjects}"',
              "", "[store]", 'path = "var/adapter.db"', "", "[audit]", 'dir = "var/audit"',
              "", "[http]", f'listen = "{http_listen}"', "", "[sync]"]
    lines += [f"{k} = {v}" for k, v in {"interval_seconds": 300, **sync}.items()]
    callback = overrides.pop("callback", None)
    if callback is not None:
        lines += ["", "[callback]"] + [f"{k} = {json.dumps(v)}" for k, v in callback.items()]
    path = os.path.join(work, "adapter.toml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


class CallbackWorkspace:
    """What the push tests share: a temp folder with the repository's development certificates,
    a roster, a bearer token file, and a fresh sandbox FHIR server. close() undoes it."""

    def __init__(self, subjects_text, token):
        self.tmp = TempDir()
        self.work = self.tmp.__enter__()
        self.certs = make_dev_certs(os.path.join(self.work, "certs"))
        self.sandbox = Sandbox()
        self.subjects = os.path.join(self.work, "subjects.csv")
        with open(self.subjects, "w") as f:
            f.write(subjects_text)
        self.token_file = os.path.join(self.work, "token")
        with open(self.token_file, "w") as f:
            f.write(token + "\n")

    def close(self):
        self.sandbox.stop()
        self.tmp.__exit__(None, None, None)


def make_dev_certs(out_dir):
    """The repository's own development PKI script (ca.crt, server.crt/key, client.crt/key)."""
    subprocess.run(["bash", os.path.join(SOURCE_DIR, "certs", "make-dev-certs.sh"), out_dir], check=True, capture_output=True)
    return out_dir


def callback_section(certs, listen="127.0.0.1:0", path="/notify", **extra):
    """A [callback] section for write_config(callback=...)."""
    return {"listen": listen, "path": path, "cert": os.path.join(certs, "server.crt"),
            "key": os.path.join(certs, "server.key"), **extra}


def run(*args, input_text=None, timeout=300):
    return subprocess.run([BINARY, *args], input=input_text, capture_output=True, text=True, timeout=timeout)


def records(config):
    r = run("records", "--config", config)
    assert r.returncode == 0, r.stderr
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def map_resources(resources, subjects, work):
    path = os.path.join(work, "export.ndjson")
    with open(path, "w") as f:
        for res in resources:
            f.write(json.dumps(res) + "\n")
    r = run("map", "--mappings", MAPPINGS, "--subjects", subjects, path)
    assert r.returncode in (0, 1), r.stderr
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()], r


def sync_log(stderr):
    """The sync_pass log lines of a run, parsed."""
    return [json.loads(l) for l in stderr.splitlines() if '"event":"sync_pass"' in l]


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="fa-it-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


# ---- Data-safety helpers (test_crash.py, test_faults.py, test_disk.py) --------------------------

def wait_until(condition, timeout=30, interval=0.02, what="a condition"):
    """Polls condition() until it returns something truthy (returned) or timeout seconds pass:
    bounded waiting on a state, never a fixed sleep."""
    deadline = time.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.time() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class FaultProxy:
    """sandbox/flaky-proxy.mjs driven by rules (per request number or URL pattern, see its header),
    links rewritten so that next links go through it too. stop() ends it."""

    def __init__(self, target_origin, rules=()):
        args = ["node", os.path.join(SANDBOX, "flaky-proxy.mjs"), "--listen", "0", "--target", target_origin,
                "--plan", "ok", "--rewrite-links"]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = _wait_line(self.proc, "listening on")
        self.origin = line.split("listening on ")[1].split()[0].rstrip("/")
        self.base = self.origin + "/fhir"
        if rules:
            self.set_rules(rules)

    def control(self, method, path, body=None):
        data = body.encode() if body is not None else None
        req = urllib.request.Request(self.origin + "/__proxy/" + path, data=data, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read().decode())

    def set_rules(self, rules):
        return self.control("PUT", "rules", json.dumps(list(rules)))

    def clear_rules(self):
        return self.control("DELETE", "rules")

    def release(self):
        return self.control("POST", "release")

    def stats(self, log=False):
        return self.control("GET", "stats?log=1" if log else "stats")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()


def records_text(config):
    """`records` output exactly as printed (the byte-equality the data-safety tests compare)."""
    r = run("records", "--config", config)
    assert r.returncode == 0, r.stderr
    return r.stdout


def audit_entries(config):
    """Every audit entry (`audit show --format json`), parsed."""
    r = run("audit", "show", "--config", config, "--format", "json")
    assert r.returncode == 0, r.stderr
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def unaudited_records(config):
    """Observation ids of current records with no record_* audit entry naming them."""
    audited = {e["record_key"] for e in audit_entries(config)
               if str(e.get("action", "")).startswith("record_") and e.get("record_key")}
    ids = [json.loads(l)["observation"].split("/")[1] for l in records_text(config).splitlines() if l.strip()]
    return [i for i in ids if i not in audited]


def store_integrity(db_path):
    """PRAGMA integrity_check of a store file, read-only ("ok" when sound)."""
    import sqlite3
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def start_daemon(config, *extra, prefix=()):
    """fhir-adapter run --config config (optionally under a prefix command such as strace). Its
    stderr (the JSON log lines) goes to a file beside the config, so that a run the test does not
    read from never blocks on a full pipe; finish() returns it."""
    log_path = os.path.join(os.path.dirname(config), "daemon.log")
    with open(log_path, "a") as log:
        proc = subprocess.Popen([*prefix, BINARY, "run", "--config", config, *extra], stdout=subprocess.DEVNULL,
                                stderr=log, text=True)
    proc.log_path = log_path
    return proc


def finish(proc, kill=False, timeout=300):
    """Waits for a start_daemon() process (SIGKILL first when kill); returns its log."""
    if kill and proc.poll() is None:
        proc.kill()
    proc.wait(timeout)
    with open(proc.log_path) as f:
        return f.read()


def run_until_complete(config, attempts=4, timeout=300):
    """`run --once` until one exits 0 (a pass completed); returns the exit codes seen."""
    codes = []
    for _ in range(attempts):
        r = run("run", "--once", "--config", config, timeout=timeout)
        codes.append(r.returncode)
        if r.returncode == 0:
            return codes
    raise AssertionError(f"no pass completed in {attempts} runs: exit codes {codes}; last stderr {r.stderr[-1500:]}")


def settle(config, passes=4):
    """`run --once` until a pass completes, then until a further pass changes no record (a build
    may hold a deletion until a later rescan confirms it), at most `passes` completed passes
    (1: the first completed pass is taken as final). Returns the exit codes and the records."""
    codes = run_until_complete(config)
    before = records_text(config)
    if passes == 1:
        return codes, before
    for _ in range(passes - 1):
        codes += run_until_complete(config)
        after = records_text(config)
        if after == before:
            return codes, after
        before = after
    raise AssertionError(f"records still change after {passes} completed passes")
