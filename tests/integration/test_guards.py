"""The safety guards of `run` (docs/contract.md, "Safety guards of run") end to end: one daemon
per store, the store remembers its server, no mass withdrawal by accident."""
import os
import re
import unittest

import harness as h


def bilirubin(oid, day):
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]},
            "subject": {"reference": "Patient/p1"}, "effectiveDateTime": day,
            "valueQuantity": {"value": 12, "unit": "umol/L", "system": "http://unitsofmeasure.org", "code": "umol/L"}}


class GuardsTest(unittest.TestCase):
    IDS = ["g1", "g2", "g3", "g4", "g5"]

    def setUp(self):
        self.tmp = h.TempDir()
        self.work = self.tmp.__enter__()
        self.sandbox = h.Sandbox()
        self.subjects = os.path.join(self.work, "subjects.csv")
        with open(self.subjects, "w") as f:
            f.write("subject_id,patient,dose1_date,dose2_date\nS01,Patient/p1,2026-01-10,2026-06-27\n")
        self.config = h.write_config(self.work, self.sandbox.base, self.subjects)
        for i, oid in enumerate(self.IDS):
            status, body = self.sandbox.request("PUT", f"Observation/{oid}", bilirubin(oid, f"2026-02-0{i + 1}"))
            self.assertIn(status, (200, 201), body)
        self.once()

    def tearDown(self):
        self.sandbox.stop()
        self.tmp.__exit__(None, None, None)

    def once(self, *extra, expect=0):
        r = h.run("run", "--once", "--config", self.config, *extra)
        self.assertEqual(r.returncode, expect, r.stderr[-2000:])
        return r

    def actions(self, action):
        return [e for e in h.audit_entries(self.config) if e["action"] == action]

    @staticmethod
    def read(path):
        with open(path) as f:
            return f.read()

    def statuses(self):
        return sorted(r["status"] for r in h.records(self.config))

    def test_an_empty_server_after_a_full_store_withdraws_nothing_until_allowed(self):
        for oid in self.IDS:
            status, _ = self.sandbox.request("DELETE", f"Observation/{oid}")
            self.assertIn(status, (200, 204))
        # 5 of 5 records = 1.0 > max_withdraw_fraction 0.2: nothing withdrawn, exit 1, said why.
        r = self.once(expect=1)
        self.assertIn('"event":"mass_withdrawal_blocked"', r.stderr)
        self.assertEqual(self.statuses(), ["final"] * 5)
        blocked = self.actions("mass_withdrawal_blocked")
        self.assertEqual(len(blocked), 1)
        self.assertEqual(blocked[0]["details"]["withdraw_records"], "5")
        self.assertEqual(blocked[0]["details"]["current_records"], "5")
        self.assertEqual(blocked[0]["details"]["max_withdraw_fraction"], "0.2000")
        # Blocked again at the next run: the deletions stay pending, nothing is withdrawn.
        self.once(expect=1)
        self.assertEqual(self.statuses(), ["final"] * 5)
        # The operator confirms it for one run.
        self.once("--allow-mass-withdrawal")
        self.assertEqual(self.statuses(), ["retracted"] * 5)
        confirmed = self.actions("mass_withdrawal_confirmed")
        self.assertEqual(len(confirmed), 1)
        self.assertEqual(confirmed[0]["details"]["deletions"], "5")
        self.assertEqual(len(self.actions("record_retracted")), 5)

    def test_a_store_filled_from_another_server_is_refused_unless_the_change_is_accepted(self):
        # The same data on another address: a proxy in front of the same server.
        other = h.FaultProxy(self.sandbox.base.rsplit("/fhir", 1)[0])
        try:
            before_records = h.records_text(self.config)
            before_audit = h.audit_entries(self.config)
            moved = h.write_config(self.work, other.base, self.subjects)
            r = h.run("run", "--once", "--config", moved)
            self.assertEqual(r.returncode, 2, r.stderr[-2000:])
            self.assertIn(self.sandbox.base, r.stderr)
            self.assertIn(other.base, r.stderr)
            self.assertIn("--accept-server-change", r.stderr)
            self.assertEqual(h.records_text(moved), before_records)  # nothing touched
            self.assertEqual(h.audit_entries(moved), before_audit)
            check = h.run("check-config", "--offline", "--config", moved)
            self.assertEqual(check.returncode, 2, check.stderr)
            self.assertIn(self.sandbox.base, check.stderr)

            r = h.run("run", "--once", "--config", moved, "--accept-server-change")
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            changed = self.actions("server_changed")
            self.assertEqual(len(changed), 1)
            self.assertEqual(changed[0]["details"]["previous"], self.sandbox.base)
            self.assertEqual(changed[0]["details"]["current"], other.base)
            # Remembered: the next run needs no flag; the old address is now the other one.
            self.assertEqual(h.run("run", "--once", "--config", moved).returncode, 0)
            self.assertEqual(h.records_text(moved), before_records)
        finally:
            other.stop()
        back = h.write_config(self.work, self.sandbox.base, self.subjects)
        self.assertEqual(h.run("run", "--once", "--config", back).returncode, 2)

    def test_a_second_daemon_on_a_store_exits_2_naming_the_holder(self):
        first = h.start_daemon(self.config)
        try:
            h.wait_until(lambda: '"event":"sync_pass"' in self.read(first.log_path), what="the first daemon's pass")
            for extra in ((), ("--once",)):
                r = h.run("run", "--config", self.config, *extra, timeout=30)
                self.assertEqual(r.returncode, 2, r.stderr[-2000:])
                self.assertIn(str(first.pid), r.stderr)
            self.assertIsNone(first.poll(), "the first daemon must keep running")
            # Readers do not take the lock.
            self.assertEqual(len(h.records(self.config)), 5)
        finally:
            first.terminate()
            self.assertEqual(h.finish(first).count('"event":"stopped"'), 1)
        self.assertEqual(first.returncode, 0)


if __name__ == "__main__":
    unittest.main()
