"""Operator tools end to end (docs/contract.md): `backup` while the daemon runs, `restore` into an
empty folder (then `audit verify` and `records` equal), the checks restore makes before it
writes; the human summary of `run --once` on a terminal only; `records` filters and --output."""
import json
import os
import pty
import signal
import subprocess
import unittest

import harness as h


def read(path):
    with open(path) as f:
        return f.read()


class OperatorToolsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir()
        cls.work = cls.tmp.__enter__()
        cohort = os.path.join(cls.work, "cohort")
        h.generate_cohort(cohort, with_deletes=False)
        cls.sandbox = h.Sandbox(seed_dir=cohort)
        cls.subjects = os.path.join(cohort, "subjects.csv")
        cls.live = os.path.join(cls.work, "live")
        os.makedirs(cls.live)
        cls.config = h.write_config(cls.live, cls.sandbox.base, cls.subjects)

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()
        cls.tmp.__exit__(None, None, None)

    def first_load(self):
        if not os.path.exists(os.path.join(self.live, "var", "adapter.db")):
            h.run_until_complete(self.config)

    def restored_config(self, name):
        work = os.path.join(self.work, name)
        os.makedirs(work)
        return h.write_config(work, self.sandbox.base, self.subjects)

    def test_backup_while_running_then_restore(self):
        self.first_load()
        daemon = h.start_daemon(self.config)
        try:
            # The daemon holds the store: its health listener answers once it is up.
            h.wait_until(lambda: '"event":"http_listening"' in read(daemon.log_path), what="the daemon listening")
            backup_dir = os.path.join(self.work, "backup-1")
            r = h.run("backup", "--config", self.config, "--to", backup_dir)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("store integrity ok", r.stdout)
            self.assertIsNone(daemon.poll(), "the daemon kept running")
        finally:
            daemon.send_signal(signal.SIGTERM)
            h.finish(daemon)
        # The manifest is sha256sum's format: the standard tool checks it too.
        check = subprocess.run(["sha256sum", "--quiet", "-c", "manifest.sha256"], cwd=backup_dir,
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        names = [line.split("  ", 1)[1] for line in read(os.path.join(backup_dir, "manifest.sha256")).splitlines()]
        self.assertIn("adapter.db", names)
        self.assertIn("audit/audit.head", names)
        self.assertIn("audit/audit-000001.jsonl", names)

        target = self.restored_config("restored")
        r = h.run("restore", "--from", backup_dir, "--config", target)
        self.assertEqual(r.returncode, 0, r.stderr)
        verify = h.run("audit", "verify", "--config", target)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        self.assertEqual(h.records_text(target), h.records_text(self.config))
        self.assertEqual(h.store_integrity(os.path.join(os.path.dirname(target), "var", "adapter.db")), "ok")

        # A second restore onto data is refused, naming what holds it, unless --force.
        again = h.run("restore", "--from", backup_dir, "--config", target)
        self.assertEqual(again.returncode, 2, again.stderr)
        self.assertIn("already holds data", again.stderr)
        forced = h.run("restore", "--from", backup_dir, "--config", target, "--force")
        self.assertEqual(forced.returncode, 0, forced.stderr)
        self.assertEqual(h.records_text(target), h.records_text(self.config))

        # A changed file in the backup: refused before anything is written.
        with open(os.path.join(backup_dir, "audit", "audit-000001.jsonl"), "a") as f:
            f.write("{}\n")
        fresh = self.restored_config("refused")
        bad = h.run("restore", "--from", backup_dir, "--config", fresh)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertIn("audit-000001.jsonl: SHA-256 differs from the manifest", bad.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.work, "refused", "var", "adapter.db")))

        # A backup goes into a new folder only.
        r = h.run("backup", "--config", self.config, "--to", backup_dir)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not empty", r.stderr)

    def test_run_once_summary_only_on_a_terminal(self):
        self.first_load()
        piped = h.run("run", "--once", "--config", self.config)
        self.assertEqual(piped.returncode, 0, piped.stderr)
        for line in piped.stderr.splitlines():
            json.loads(line)  # nothing but JSON lines
        self.assertNotIn("pass complete", piped.stderr)

        leader, follower = pty.openpty()
        proc = subprocess.Popen([h.BINARY, "run", "--once", "--config", self.config], stdout=subprocess.DEVNULL,
                                stderr=follower)
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        self.assertEqual(proc.wait(120), 0)
        os.close(leader)
        text = b"".join(chunks).decode()
        self.assertIn("fhir-adapter run --once: pass complete in", text)
        records = h.records(self.config)
        by_flag = {}
        for rec in records:
            flag = rec["flag"] or "retracted"
            by_flag[flag] = by_flag.get(flag, 0) + 1
        expected = f"records:  {len(records)} (" + ", ".join(
            f"{by_flag.get(f, 0)} {f}" for f in ("normal", "low", "high", "indeterminate", "retracted")) + ")"
        self.assertIn(expected, text)
        self.assertIn("not on roster:", text)

    def test_records_filters_and_output(self):
        self.first_load()
        everything = h.records(self.config)
        r = h.run("records", "--config", self.config, "--subject", "S01,S02", "--analyte", "BILI", "--flag", "high")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        want = [x for x in everything if x["subject_id"] in ("S01", "S02") and x["analyte"] == "BILI" and x["flag"] == "high"]
        self.assertTrue(want, "the cohort has high bilirubin records for S01/S02")
        self.assertEqual(got, want)
        self.assertIn(f"{len(want)} records (of {len(everything)})", r.stderr)
        visits = h.run("records", "--config", self.config, "--visit", "BASELINE", "--visit", "W72")
        self.assertEqual([json.loads(l) for l in visits.stdout.splitlines()],
                         [x for x in everything if x["visit"] in ("BASELINE", "W72")])
        out = os.path.join(self.work, "records.csv")
        r = h.run("records", "--config", self.config, "--format", "csv", "--output", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(read(out), h.run("records", "--config", self.config, "--format", "csv").stdout)
        self.assertFalse(os.path.exists(out + ".partial"))


if __name__ == "__main__":
    unittest.main()
