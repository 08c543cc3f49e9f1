"""lb.xpt read back by an independent reader (pandas.read_sas, format="xport") equals lb.csv.

The records come from `fhir-adapter map` over tests/data/cli/clean.ndjson (the CLI suite's clean
input: quantities, comparators, unknown units, data absent, text results), then
`fhir-adapter export --format sdtm-lb` writes lb.csv, lb.xpt and lb-variables.csv. Every row and
every field of lb.xpt must equal lb.csv: text exactly (SAS pads with blanks, which pandas strips),
numbers as the same double (an empty CSV cell is a missing value, NaN). The variable metadata
pandas reads from the NAMESTR records must match lb-variables.csv.
"""
import csv
import math
import os
import subprocess
import tempfile
import unittest

import pandas

BINARY = os.environ["FA_BINARY"]
SOURCE = os.environ["FA_SOURCE_DIR"]
DATA = os.path.join(SOURCE, "tests", "data", "cli")
MAPPINGS = os.path.join(SOURCE, "fhir-mappings")


def text(value):
    """pandas gives some header fields as bytes, others as str."""
    return value.decode() if isinstance(value, bytes) else value


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=120)


class XptReadBack(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        records = os.path.join(cls.tmp.name, "records.ndjson")
        mapped = run("map", "--mappings", MAPPINGS, "--subjects", os.path.join(DATA, "roster.csv"),
                     "--output", records, os.path.join(DATA, "clean.ndjson"))
        assert mapped.returncode == 0, mapped.stderr
        cls.out = os.path.join(cls.tmp.name, "sdtm")
        exported = run("export", "--format", "sdtm-lb", "--mappings", MAPPINGS, records, "--output-dir", cls.out)
        assert exported.returncode == 0, exported.stderr
        with open(os.path.join(cls.out, "lb.csv"), newline="", encoding="utf-8") as f:
            cls.csv_rows = list(csv.DictReader(f))
        with open(os.path.join(cls.out, "lb-variables.csv"), newline="", encoding="utf-8") as f:
            cls.variables = list(csv.DictReader(f))
        cls.xpt = pandas.read_sas(os.path.join(cls.out, "lb.xpt"), format="xport", encoding="utf-8")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_same_rows_and_columns(self):
        self.assertGreater(len(self.csv_rows), 10)
        self.assertEqual(len(self.xpt), len(self.csv_rows))
        self.assertEqual(list(self.xpt.columns), [v["variable"] for v in self.variables])
        self.assertEqual(list(self.xpt.columns), list(self.csv_rows[0].keys()))

    def test_every_field_equal(self):
        numeric = {v["variable"] for v in self.variables if v["type"] == "Num"}
        for i, row in enumerate(self.csv_rows):
            for name, text in row.items():
                value = self.xpt.iloc[i][name]
                where = f"row {i + 1} {name}"
                if name in numeric:
                    if text == "":
                        self.assertTrue(math.isnan(value), where)
                    else:
                        self.assertEqual(value, float(text), where)
                else:
                    self.assertEqual(value, text.rstrip(" "), where)

    def test_variable_metadata_matches(self):
        reader = pandas.read_sas(os.path.join(self.out, "lb.xpt"), format="xport", iterator=True)
        try:
            fields = reader.fields
            self.assertEqual(text(reader.member_info["set_name"]).strip(), "LB")
        finally:
            reader.close()
        for field, variable in zip(fields, self.variables):
            self.assertEqual(text(field["name"]), variable["variable"])
            self.assertEqual(text(field["label"]), variable["label"])
            self.assertEqual(field["ntype"], "numeric" if variable["type"] == "Num" else "char")
            self.assertEqual(field["field_length"], int(variable["length"]))

    def test_contents_worked_by_hand(self):
        # bili-2: 1.5 mg/dL x 17.1 = 25.65 umol/L (above 20.5: HIGH), collected 2026-02-07T10:00+08:00;
        # NDJSON records carry no collection instant, so LBDTC is the date. S01's first dose is
        # 2026-01-10: 02-07 is day 29 (21 days of January left + 7 + 1), visit W4 (number 2).
        rows = [r for r in self.csv_rows if r["LBSPID"] == "Observation/bili-2/_history/1"]
        self.assertEqual(len(rows), 1)
        r = rows[0]
        self.assertEqual((r["USUBJID"], r["LBTESTCD"], r["LBORRES"], r["LBORRESU"]), ("NCT05106972-S01", "BILI", "1.5", "mg/dL"))
        self.assertEqual((r["LBSTRESC"], r["LBSTRESN"], r["LBSTRESU"], r["LBNRIND"]), ("25.65", "25.65", "umol/L", "HIGH"))
        self.assertEqual((r["VISITNUM"], r["VISIT"], r["LBDTC"], r["LBDY"]), ("2", "W4", "2026-02-07", "29"))
        # LBSEQ counts 1.. within each subject, in the file's order.
        seen = {}
        for row in self.csv_rows:
            seen[row["USUBJID"]] = seen.get(row["USUBJID"], 0) + 1
            self.assertEqual(row["LBSEQ"], str(seen[row["USUBJID"]]))


if __name__ == "__main__":
    unittest.main()
