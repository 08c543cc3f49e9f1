"""`fhir-adapter report --format html` in a real headless Chromium: the daemon loads the synthetic
cohort from the sandbox FHIR server (plus human albumin infusions posted there), the report is
written from its store with --config, and test_report_html.mjs (puppeteer-core, /usr/bin/chromium)
opens the file with every request intercepted, reads the tables and charts from the DOM, takes a
screenshot and prints the page to an A4 PDF (artifacts in FA_ARTIFACTS, paths printed)."""
import datetime
import json
import os
import subprocess
import sys
import unittest

import harness as h

ARTIFACTS = os.environ.get("FA_ARTIFACTS", os.path.join(h.SOURCE_DIR, "build", "artifacts"))
AS_OF = "2027-06-30"


def albumin_infusion(patient, date):
    return {"resourceType": "MedicationAdministration", "status": "completed",
            "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "B05AA01",
                                                      "display": "albumin"}]},
            "subject": {"reference": patient}, "effectiveDateTime": date + "T10:00:00+08:00"}


def drawn(record, lloq_analytes):
    """The chart rule of adapter/report/html_chart_data.h, restated: is this record a point?"""
    if record["status"] == "retracted" or record["study_day"] is None:
        return False
    if record["value"] is not None:
        return True
    return record["analyte"] in lloq_analytes and record["flag"] == "normal" and record["ref_high"] is not None


class ReportHtmlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir()
        cls.work = cls.tmp.__enter__()
        cohort = os.path.join(cls.work, "cohort")
        h.generate_cohort(cohort, with_deletes=False)
        cls.sandbox = h.Sandbox(seed_dir=cohort)
        subjects = os.path.join(cohort, "subjects.csv")
        cls.config = h.write_config(cls.work, cls.sandbox.base, subjects, fhir={"page_size": 200})
        first = h.run("run", "--once", "--config", cls.config, timeout=600)
        assert first.returncode == 0, first.stderr[-3000:]
        # An infusion 3 days before S01's first albumin result, and one long before anything.
        with open(subjects) as f:
            rows = [line.strip().split(",") for line in f][1:]
        patient = {r[0]: r[1] for r in rows}
        albumin = sorted((r for r in h.records(cls.config) if r["subject_id"] == "S01" and r["analyte"] == "ALB"
                          and r["effective"] and r["status"] != "retracted"), key=lambda r: r["effective"])
        cls.marked = albumin[0]
        day = datetime.date.fromisoformat(cls.marked["effective"]) - datetime.timedelta(days=3)
        for p, d in ((patient["S01"], day.isoformat()), (patient["S02"], "2020-01-01")):
            status, body = cls.sandbox.request("POST", "MedicationAdministration", albumin_infusion(p, d))
            assert status == 201, (status, body)
        second = h.run("run", "--once", "--config", cls.config, timeout=600)
        assert second.returncode == 0, second.stderr[-3000:]
        cls.html = os.path.join(cls.work, "report.html")
        r = h.run("report", "--config", cls.config, "--format", "html", "--output", cls.html, "--as-of", AS_OF)
        assert r.returncode == 0, r.stderr
        j = h.run("report", "--config", cls.config, "--format", "json", "--as-of", AS_OF)
        assert j.returncode == 0, j.stderr
        cls.json = json.loads(j.stdout)

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()
        cls.tmp.__exit__(None, None, None)

    def test_the_stored_infusion_marks_the_albumin_result(self):
        check = self.json["screening"]["albumin_infusion"]
        self.assertTrue(check["run"])
        self.assertEqual(len(check["infusions"]), 2)
        marked = [x for x in check["results"] if x["observation"] == self.marked["observation"]]
        self.assertEqual(len(marked), 1, check["results"])
        self.assertEqual(marked[0]["days_after_infusion"], 3)
        self.assertEqual(marked[0]["screening_finding"], self.marked["study_day"] <= 1)
        self.assertFalse([x for x in check["results"] if x["subject_id"] == "S02"])  # 2020 is long before

    def test_in_a_headless_browser(self):
        records = h.records(self.config)
        lloq = {"HBVDNA"}  # the LLOQ-rule analyte of the default fhir-mappings
        series = {}
        for r in records:
            if drawn(r, lloq):
                series.setdefault(r["analyte"], set()).add(r["subject_id"])
        expected = {
            "outcomes": [[o["outcome"], o["visit"], str(o["assessed"]), str(o["abnormal"]),
                          "" if o["percent"] is None else f'{o["percent"]:.1f}'] for o in self.json["outcomes"]],
            "series": {a: len(s) for a, s in series.items()},
            "subjects": self.json["record_counts"]["subjects"],
            "marked": self.marked["observation"],
        }
        expected_path = os.path.join(self.work, "expected.json")
        with open(expected_path, "w") as f:
            json.dump(expected, f)
        env = dict(os.environ, REPORT_HTML=self.html, EXPECTED=expected_path, ARTIFACTS=ARTIFACTS,
                   FA_SOURCE_DIR=h.SOURCE_DIR)
        r = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "test_report_html.mjs")], env=env,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        seen = json.loads(r.stdout.strip().splitlines()[-1])
        print("report screenshot: " + seen["screenshot"], file=sys.stderr)
        print("report chart screenshot: " + seen["chart_screenshot"], file=sys.stderr)
        print("report PDF: " + seen["pdf"], file=sys.stderr)
        self.assertEqual(seen["requests"], ["file://" + self.html])
        self.assertEqual(seen["outcome_rows"], len(expected["outcomes"]))
        self.assertEqual(seen["charts"], len(series))
        self.assertEqual(seen["subject_sections"], expected["subjects"])
        self.assertGreater(seen["pdf_pages"], 1)
        self.assertEqual(seen["too_wide"], [])
        for name in ("screenshot", "chart_screenshot", "pdf"):
            self.assertGreater(os.path.getsize(seen[name]), 10_000, name)


if __name__ == "__main__":
    unittest.main()
