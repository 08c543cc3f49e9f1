"""Bulk Data $export first loads against the real sandbox FHIR server (sandbox/bulk-export.mjs):
a first load by $export, killed with SIGKILL in the middle of its files, resumes from the
persisted polling URL (no second kick-off, finished files not downloaded again) and ends with
exactly the records a first load by paged search gives. The sandbox runs with the awkward
behaviours switched on: _typeFilter ignored, file URLs redirected to another origin (which
refuses an Authorization header), requiresAccessToken, an error[] file holding patient details."""
import json
import os
import subprocess
import unittest
import urllib.request

import harness as h

TOKEN = "sandbox-bulk-token-123"


class BulkSandbox(h.Sandbox):
    """h.Sandbox with the export switches on the command line."""

    def __init__(self, seed_dir, *switches):
        args = ["node", os.path.join(h.SANDBOX, "server.mjs"), "--port", "0", "--host", "127.0.0.1",
                "--seed-dir", seed_dir, *switches]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = h._wait_line(self.proc, "listening on", timeout=180)
        self.base = line.split("listening on ")[1].strip()

    def export_stats(self):
        with urllib.request.urlopen(self.base + "/$export-stats", timeout=10) as r:
            return json.loads(r.read().decode())


def bulk_config(work, base, subjects, bulk=True):
    config = h.write_config(work, base, subjects, sync={"interval_seconds": 300})
    with open(config) as f:
        text = f.read()
    token_file = os.path.join(work, "token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    text = text.replace('auth = "none"', f'auth = "bearer"\ntoken_file = "{token_file}"')
    if bulk:
        text += '\n[bulk]\nlevel = "system"\nfirst_load = true\n'
    with open(config, "w") as f:
        f.write(text)
    return config


def read(path):
    with open(path) as f:
        return f.read()


def events(log, name):
    return [json.loads(l) for l in log.splitlines() if f'"event":"{name}"' in l]


class BulkFirstLoadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir()
        cls.work = cls.tmp.__enter__()
        cls.cohort = os.path.join(cls.work, "cohort")
        h.generate_cohort(cls.cohort)
        cls.subjects = os.path.join(cls.cohort, "subjects.csv")
        # Small files, each taking 150 ms to serve: the kill lands between files.
        cls.sandbox = BulkSandbox(cls.cohort, "--bulk-ignore-typefilter", "--bulk-redirect", "--bulk-requires-token",
                                  "--bulk-error-file", "--bulk-one-job", "--bulk-file-size", "100",
                                  "--bulk-file-delay-ms", "150")

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()
        cls.tmp.__exit__(None, None, None)

    def paged_records(self):
        work = os.path.join(self.work, "paged")
        os.makedirs(work)
        config = bulk_config(work, self.sandbox.base, self.subjects, bulk=False)
        r = h.run("run", "--once", "--skip-rescan", "--config", config)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(events(r.stderr, "bulk_export"), [])  # no [bulk]: paged search only
        return h.records_text(config)

    def test_killed_first_load_resumes_and_matches_paged_search(self):
        work = os.path.join(self.work, "bulk")
        os.makedirs(work)
        config = bulk_config(work, self.sandbox.base, self.subjects)
        proc = h.start_daemon(config, "--once", "--skip-rescan")
        # Killed once three files are stored (the log line comes after each file's commit).
        h.wait_until(lambda: proc.poll() is not None or len(events(read(proc.log_path), "bulk_file")) >= 3,
                     timeout=240, what="three export files stored")
        self.assertIsNone(proc.poll(), "the export finished before the kill")
        first_log = h.finish(proc, kill=True)
        stored_before = len(events(first_log, "bulk_file"))
        self.assertEqual(self.sandbox.export_stats()["kickoffs"], 1)

        r = h.run("run", "--once", "--skip-rescan", "--config", config)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(len(events(r.stderr, "bulk_resumed")), 1)
        [summary] = events(r.stderr, "bulk_export")
        self.assertEqual(summary["completed"], "true")
        self.assertEqual(summary["kickoffs"], "0")  # resumed from the saved polling URL
        self.assertGreaterEqual(int(summary["files_skipped"]), stored_before)
        stats = self.sandbox.export_stats()
        self.assertEqual(stats["kickoffs"], 1)
        self.assertEqual(stats["deletes"], 1)               # DELETE on the job when done
        self.assertEqual(stats["storageAuthorization"], 0)  # the token never went to storage
        # Every file once, plus at most the one in flight at the kill: resumed, not restarted.
        files = int(summary["files"]) + int(summary["files_skipped"])
        self.assertLessEqual(stats["fileGets"], files + 1)
        # error[]: issue codes only, never the patient details in its diagnostics.
        [errors] = events(r.stderr, "bulk_errors")
        self.assertEqual(errors.get("error/processing"), "1")
        self.assertNotIn("TESTPATIENT", first_log + r.stderr)
        # Then the incremental searches from the transactionTime.
        self.assertEqual(len(h.sync_log(r.stderr)), 1)

        bulk_records = h.records_text(config)
        self.assertGreater(len(bulk_records.splitlines()), 100)
        self.assertEqual(bulk_records, self.paged_records())


if __name__ == "__main__":
    unittest.main()
