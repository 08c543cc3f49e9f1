"""Integration tests of the pull path: fhir-adapter run against the real sandbox FHIR server."""
import json
import os
import signal
import subprocess
import threading
import time
import unittest
import urllib.request

import harness as h


def by_id(records):
    return {r["observation"].split("/_history")[0]: r for r in records}


def wait_for_event(stream, event, timeout):
    """Reads log lines from stream (on a thread, so the wait is bounded) until one logs `event`.
    Returns whether it came within `timeout` seconds."""
    found = threading.Event()

    def read():
        for line in stream:
            if f'"event":"{event}"' in line:
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    return found.wait(timeout)


class FullSyncTest(unittest.TestCase):
    """One seeded server (cohort without deletes) shared by the read-only checks."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir()
        cls.work = cls.tmp.__enter__()
        cls.cohort = os.path.join(cls.work, "cohort")
        h.generate_cohort(cls.cohort, with_deletes=False)
        cls.subjects = os.path.join(cls.cohort, "subjects.csv")
        cls.sandbox = h.Sandbox(seed_dir=cls.cohort)

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()
        cls.tmp.__exit__(None, None, None)

    def sync(self, name, base=None, **overrides):
        work = os.path.join(self.work, name)
        os.makedirs(work)
        config = h.write_config(work, base or self.sandbox.base, self.subjects, **overrides)
        r = h.run("run", "--once", "--config", config)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        return config, r

    def test_full_sync_equals_map_over_an_export_of_the_same_data(self):
        config, _ = self.sync("full")
        synced = h.records(config)
        # The export: the cohort file holds every version the server was given, in order.
        with open(os.path.join(self.cohort, "observations.ndjson")) as f:
            export = [json.loads(l) for l in f]
        mapped, _ = h.map_resources(export, self.subjects, self.work)
        self.assertGreater(len(synced), 3000)
        self.assertEqual(len(synced), len(mapped))
        self.assertEqual(synced, mapped)  # same records, same order, every field
        # and byte for byte in CSV
        stored_csv = h.run("records", "--config", config, "--format", "csv")
        mapped_csv = h.run("map", "--mappings", h.MAPPINGS, "--subjects", self.subjects, "--format", "csv",
                           os.path.join(self.work, "export.ndjson"))
        self.assertEqual(stored_csv.returncode, 0, stored_csv.stderr)
        self.assertEqual(stored_csv.stdout, mapped_csv.stdout)
        self.assertTrue(stored_csv.stdout.startswith("subject_id,analyte,observation,status,effective,"))
        # --excel: the same CSV after a UTF-8 byte order mark (text mode decodes it as U+FEFF)
        excel = h.run("records", "--config", config, "--excel")
        self.assertEqual(excel.returncode, 0, excel.stderr)
        self.assertEqual(excel.stdout, "\ufeff" + stored_csv.stdout)

    def test_small_pages_give_the_same_records(self):
        config_big, _ = self.sync("big-pages", fhir={"page_size": 1000})
        config_small, r = self.sync("small-pages", fhir={"page_size": 7})
        passes = h.sync_log(r.stderr)
        self.assertGreater(int(passes[-1]["pages"]), 400)  # ~3,200 results in pages of 7
        self.assertEqual(h.records(config_big), h.records(config_small))

    def test_restart_resumes_from_the_watermark_without_duplicates(self):
        config, first = self.sync("restart")
        before = h.records(config)
        r = h.run("run", "--once", "--config", config)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        second = h.sync_log(r.stderr)[-1]
        self.assertEqual(second["new_versions"], "0")
        # an incremental pass costs one request per query (11 analytes) plus the rescan listing
        self.assertEqual(before, h.records(config))
        import sqlite3
        db = sqlite3.connect(os.path.join(os.path.dirname(config), "var", "adapter.db"))
        dupes = db.execute("SELECT COUNT(*) FROM (SELECT id, version_key, COUNT(*) c FROM observation_versions "
                           "GROUP BY id, version_key HAVING c > 1)").fetchone()[0]
        self.assertEqual(dupes, 0)

    def test_faults_429_503_and_resets_change_nothing(self):
        config_clean, _ = self.sync("clean")
        origin = self.sandbox.base.rsplit("/fhir", 1)[0]
        proxy = h.FlakyProxy(origin, "429:1,ok:2,429-retry-after:1,ok:2,503:1,ok:2,reset:1,ok:3,429-retry-date:1,ok:2")
        try:
            config_flaky, r = self.sync("flaky", base=proxy.origin + "/fhir", fhir={"page_size": 200})
            stats = proxy.stats()
        finally:
            proxy.stop()
        self.assertEqual(h.records(config_clean), h.records(config_flaky))
        text = json.dumps(stats)
        for fault in ("429", "503", "reset"):
            self.assertIn(fault, text)


class ChangesPropagateTest(unittest.TestCase):
    """A fresh server per test: these tests write to it."""

    def setUp(self):
        self.tmp = h.TempDir()
        self.work = self.tmp.__enter__()
        self.sandbox = h.Sandbox()
        self.subjects = os.path.join(self.work, "subjects.csv")
        with open(self.subjects, "w") as f:
            f.write("subject_id,patient,dose1_date,dose2_date\nS01,Patient/p1,2026-01-10,2026-06-27\n")
        self.config = h.write_config(self.work, self.sandbox.base, self.subjects, sync={"interval_seconds": 1})

    def tearDown(self):
        self.sandbox.stop()
        self.tmp.__exit__(None, None, None)

    def put(self, obs):
        status, body = self.sandbox.request("PUT", f"Observation/{obs['id']}", obs)
        self.assertIn(status, (200, 201), body)
        return body

    @staticmethod
    def bilirubin(oid, value, status="final", day="2026-02-07"):
        return {"resourceType": "Observation", "id": oid, "status": status,
                "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                          "code": "laboratory"}]}],
                "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]},
                "subject": {"reference": "Patient/p1"}, "effectiveDateTime": day,
                "valueQuantity": {"value": value, "unit": "umol/L", "system": "http://unitsofmeasure.org",
                                  "code": "umol/L"}}

    def once(self):
        r = h.run("run", "--once", "--config", self.config)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        return by_id(h.records(self.config))

    def test_amendment_replaces_the_value(self):
        self.put(self.bilirubin("o1", 30))
        self.assertEqual(self.once()["Observation/o1"]["value"], 30)
        self.put(self.bilirubin("o1", 15, status="amended"))
        rec = self.once()["Observation/o1"]
        self.assertEqual((rec["value"], rec["status"], rec["flag"]), (15, "amended", "normal"))
        self.assertEqual(rec["observation"], "Observation/o1/_history/2")

    def test_reviewer_override_annotates_the_report_without_changing_the_record(self):
        self.put(self.bilirubin("o7", 40))
        self.assertEqual(self.once()["Observation/o7"]["flag"], "high")
        r = h.run("review", "override", "--config", self.config, "--reviewer", "Dr Reviewer", "--observation", "o7",
                  "--flag", "normal", "--reason", "haemolysed sample")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.once()["Observation/o7"]["flag"], "high")  # the source data stands
        records = os.path.join(self.work, "records.ndjson")
        with open(records, "w") as f:
            f.write(h.run("records", "--config", self.config).stdout)
        report = h.run("report", "--mappings", h.MAPPINGS, "--audit-dir", os.path.join(self.work, "var", "audit"), records)
        self.assertEqual(report.returncode, 0, report.stderr)
        self.assertIn("BILI", report.stdout)
        line = [l for l in report.stdout.splitlines() if "Observation/o7" in l]
        self.assertEqual(len(line), 1, report.stdout)
        self.assertIn("overridden flag high -> normal by Dr Reviewer", line[0])
        self.assertIn("haemolysed sample", line[0])

    def test_entered_in_error_retracts_with_the_last_usable_values(self):
        self.put(self.bilirubin("o2", 30))
        self.put(self.bilirubin("o3", 25, day="2026-02-08"))  # also W4: takes over the selection
        first = self.once()
        self.assertTrue(first["Observation/o2"]["selected"] ^ first["Observation/o3"]["selected"])
        withdrawn = self.bilirubin("o2", 99, status="entered-in-error")
        self.put(withdrawn)
        recs = self.once()
        rec = recs["Observation/o2"]
        self.assertEqual(rec["status"], "retracted")
        self.assertEqual(rec["value"], 30)  # the last usable version's value, not 99
        self.assertIsNone(rec["flag"])
        self.assertIsNone(rec["ctcae_grade"])
        self.assertFalse(rec["selected"])
        self.assertTrue(recs["Observation/o3"]["selected"])

    def test_delete_is_found_by_the_rescan(self):
        # Five results: deleting one withdraws 1 of 5 = 0.2 of the records, within
        # [sync] max_withdraw_fraction (0.2), so no --allow-mass-withdrawal is needed.
        self.put(self.bilirubin("o4", 40))
        for i, day in enumerate(("2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04")):
            self.put(self.bilirubin(f"k{i}", 12, day=day))
        self.assertEqual(self.once()["Observation/o4"]["flag"], "high")
        status, _ = self.sandbox.request("DELETE", "Observation/o4")
        self.assertIn(status, (200, 204))
        # One run: the 410 Gone is confirmed by a second read within the same rescan.
        rec = self.once()["Observation/o4"]
        self.assertEqual(rec["status"], "retracted")
        self.assertEqual(rec["value"], 40)
        self.assertIn("deleted", rec["reason"])

    def test_first_pass_after_a_restart_finds_deletions_made_while_down(self):
        self.put(self.bilirubin("o6", 40))
        self.assertEqual(self.once()["Observation/o6"]["status"], "final")
        status, _ = self.sandbox.request("DELETE", "Observation/o6")
        self.assertIn(status, (200, 204))
        # the daemon (not --once) starts: its first pass must be a rescan, whatever rescan_hours says.
        # o6 is the only record: withdrawing it is 1 of 1 > max_withdraw_fraction, so the operator
        # confirms it for this run (audited below).
        proc = subprocess.Popen([h.BINARY, "run", "--config", self.config, "--allow-mass-withdrawal"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            retracted = False
            deadline = time.time() + 20
            while time.time() < deadline and not retracted:
                time.sleep(0.3)
                retracted = by_id(h.records(self.config))["Observation/o6"]["status"] == "retracted"
            self.assertTrue(retracted, "a deletion made while the daemon was down was not found by its first pass")
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(20), 0)
            confirmed = [e for e in h.audit_entries(self.config) if e["action"] == "mass_withdrawal_confirmed"]
            self.assertEqual(len(confirmed), 1)
            self.assertEqual(confirmed[0]["details"]["withdraw_records"], "1")
            self.assertEqual(confirmed[0]["details"]["current_records"], "1")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()

    def test_daemon_serves_health_picks_up_new_results_and_stops_on_sigterm(self):
        proc = subprocess.Popen([h.BINARY, "run", "--config", self.config], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            port = None
            deadline = time.time() + 30
            while time.time() < deadline and port is None:
                line = proc.stderr.readline()
                if '"event":"http_listening"' in line:
                    port = int(json.loads(line)["address"].rsplit(":", 1)[1])
            self.assertIsNotNone(port)

            def get(path):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                        return r.status, r.read().decode()
                except urllib.error.HTTPError as e:
                    return e.code, e.read().decode()

            self.assertEqual(get("/healthz")[0], 200)
            deadline = time.time() + 20
            while get("/readyz")[0] != 200 and time.time() < deadline:
                time.sleep(0.2)
            self.assertEqual(get("/readyz")[0], 200)
            self.put(self.bilirubin("o5", 50))
            found = False
            deadline = time.time() + 20
            while time.time() < deadline and not found:
                found = "Observation/o5" in by_id(h.records(self.config))
                time.sleep(0.3)
            self.assertTrue(found, "the daemon did not pick up a new Observation")
            status, metrics = get("/metrics")
            self.assertEqual(status, 200)
            self.assertIn('fhir_adapter_records{flag="high"} 1', metrics)
            self.assertIn("fhir_adapter_last_success_timestamp_seconds", metrics)
            self.assertNotIn("Patient/p1", metrics)  # no identifiers in metrics
            proc.send_signal(signal.SIGHUP)
            # The reload is done (and logged) before SIGTERM is sent.
            self.assertTrue(wait_for_event(proc.stderr, "mappings_reloaded", 20), "SIGHUP did not reload the mappings")
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(20), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()


if __name__ == "__main__":
    unittest.main()
