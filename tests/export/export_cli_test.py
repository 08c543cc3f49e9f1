"""`fhir-adapter export` on the command line: the files each format writes, exit codes, input forms.

Records come from `fhir-adapter map` over tests/data/cli/clean.ndjson (roster: S01 first dose
2026-01-10, S02 2026-01-12, S03 none).
"""
import csv
import io
import os
import subprocess
import tempfile
import unittest

BINARY = os.environ["FA_BINARY"]
SOURCE = os.environ["FA_SOURCE_DIR"]
DATA = os.path.join(SOURCE, "tests", "data", "cli")
MAPPINGS = os.path.join(SOURCE, "fhir-mappings")


def run(*args, input_text=None):
    return subprocess.run([BINARY, *args], input=input_text, capture_output=True, text=True, timeout=120)


class ExportCommand(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        mapped = run("map", "--mappings", MAPPINGS, "--subjects", os.path.join(DATA, "roster.csv"), os.path.join(DATA, "clean.ndjson"))
        assert mapped.returncode == 0, mapped.stderr
        cls.ndjson = mapped.stdout
        mapped_csv = run("map", "--mappings", MAPPINGS, "--subjects", os.path.join(DATA, "roster.csv"), "--format", "csv",
                         os.path.join(DATA, "clean.ndjson"))
        cls.csv = mapped_csv.stdout

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def out(self, name):
        return os.path.join(self.tmp.name, name)

    def test_sdtm_lb_writes_three_files_from_standard_input(self):
        r = run("export", "--format", "sdtm-lb", "--mappings", MAPPINGS, "--output-dir", self.out("lb"), input_text=self.ndjson)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(self.out("lb"))), ["lb-variables.csv", "lb.csv", "lb.xpt"])
        self.assertIn("LB rows", r.stderr.splitlines()[-1])

    def test_records_csv_gives_the_same_lb_csv_as_ndjson(self):
        a = run("export", "--format", "sdtm-lb", "--mappings", MAPPINGS, "-", "--output-dir", self.out("a"), input_text=self.ndjson)
        b = run("export", "--format", "sdtm-lb", "--mappings", MAPPINGS, "-", "--output-dir", self.out("b"), input_text=self.csv)
        self.assertEqual((a.returncode, b.returncode), (0, 0), a.stderr + b.stderr)
        with open(os.path.join(self.out("a"), "lb.csv")) as fa, open(os.path.join(self.out("b"), "lb.csv")) as fb:
            self.assertEqual(fa.read(), fb.read())

    def test_study_id_and_free_text(self):
        r = run("export", "--format", "sdtm-lb", "--mappings", MAPPINGS, "--output-dir", self.out("sid"), "--study-id", "UCMSC-HK",
                input_text=self.ndjson)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.out("sid"), "lb.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertTrue(all(row["STUDYID"] == "UCMSC-HK" and row["USUBJID"].startswith("UCMSC-HK-S0") for row in rows))
        # hbv-2 sent the coding display  Positive, "weak": not a recognised result, withheld.
        hbv2 = [row for row in rows if row["LBSPID"] == "Observation/hbv-2/_history/1"]
        self.assertEqual([row["LBORRES"] for row in hbv2], ["[free text withheld]"])
        self.assertEqual(hbv2[0]["LBSTAT"], "NOT DONE")
        kept = run("export", "--format", "sdtm-lb", "--mappings", MAPPINGS, "--output-dir", self.out("kept"),
                   "--include-free-text", input_text=self.ndjson)
        self.assertEqual(kept.returncode, 0, kept.stderr)
        with open(os.path.join(self.out("kept"), "lb.csv"), newline="") as f:
            kept_rows = [row for row in csv.DictReader(f) if row["LBSPID"] == "Observation/hbv-2/_history/1"]
        self.assertEqual(kept_rows[0]["LBORRES"], 'Positive, "weak"')

    def test_redcap_writes_data_dictionary_and_events(self):
        r = run("export", "--format", "redcap", "--mappings", MAPPINGS, "--output-dir", self.out("rc"), input_text=self.ndjson)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(self.out("rc"))), ["redcap-data.csv", "redcap-dictionary.csv", "redcap-events.csv"])
        with open(os.path.join(self.out("rc"), "redcap-data.csv"), newline="") as f:
            data = list(csv.reader(f))
        self.assertEqual(data[0][:4], ["record_id", "redcap_event_name", "bili_value", "bili_flag"])
        # bili-2 is S01's selected W4 bilirubin: 25.65 umol/L, high, 2026-02-07, grade 1 (25.65 <= 1.5 x 20.5).
        w4 = [row for row in data if row[:2] == ["S01", "w4_arm_1"]]
        self.assertEqual(len(w4), 1)
        self.assertEqual(w4[0][2:6], ["25.65", "high", "2026-02-07", "1"])

    def test_a_line_that_is_not_a_record_exits_1_and_writes_the_rest(self):
        r = run("export", "--format", "sdtm-lb", "--mappings", MAPPINGS, "--output-dir", self.out("bad"),
                input_text=self.ndjson + "not a record\n")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.out("bad"), "lb.xpt")))

    def test_usage_errors_exit_2_and_write_nothing(self):
        blocked = self.out("file-in-the-way")
        with open(blocked, "w") as f:
            f.write("x")
        cases = [
            ["--format", "sdtm-lb", "--mappings", MAPPINGS, "--output-dir", blocked],             # not a folder
            ["--format", "sdtm-lb", "--mappings", MAPPINGS, "--output-dir", self.out("u1"), "--study-id", "bad\tid"],
            ["--format", "xml", "--mappings", MAPPINGS, "--output-dir", self.out("u2")],          # unknown format
            ["--format", "redcap", "--output-dir", self.out("u3")],                               # no record input
            ["--format", "redcap", "--mappings", MAPPINGS, self.out("missing.ndjson"), "--output-dir", self.out("u4")],
        ]
        for args in cases:
            r = run("export", *args, input_text=self.ndjson)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
        for name in ("u1", "u2", "u3", "u4"):
            self.assertFalse(os.path.exists(self.out(name)), name)


if __name__ == "__main__":
    unittest.main()
