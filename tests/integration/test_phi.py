"""No protected health information leaves through the adapter's own outputs (docs/fhir-servers.md,
"Hostile input"). The real sandbox FHIR server is seeded with synthetic patients (names, birth
dates, identifier values) and Observations that carry them in every free-text place a server
allows; the flaky proxy answers some requests with errors whose text quotes them (as a real
server quoting the resource it refused would); rosters and exports are written with those values
in the wrong cells. Then a sync runs (failing, then succeeding), the daemon runs long enough to
serve /metrics and take notifications, and the CLI error paths run. Every log line, metric,
audit entry and error message is searched: not one of the synthetic values is found."""
import json
import os
import subprocess
import time
import unittest
import urllib.request

import harness as h

# Synthetic, and unlikely anywhere else: names, birth dates, MRNs.
NAMES = ["Zebediah", "Quantrill", "Philippa", "Oxenbridge"]
BIRTH_DATES = ["1961-07-04", "1958-11-23"]
MRNS = ["99887766", "55443322"]
NEEDLES = NAMES + BIRTH_DATES + MRNS
MRN_SYSTEM = "urn:oid:1.2.36.146.595.217.0.1"


def patient(pid, given, family, born, mrn):
    return {"resourceType": "Patient", "id": pid, "name": [{"given": [given], "family": family}], "birthDate": born,
            "identifier": [{"system": MRN_SYSTEM, "value": "MRN-" + mrn}]}


def bilirubin(oid, pid, who, born, mrn, value=30, unit="umol/L"):
    """An Observation that quotes its patient everywhere free text may go."""
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2", "display": who}], "text": who},
            "subject": {"reference": f"Patient/{pid}", "display": f"{who} (born {born}, MRN-{mrn})"},
            "performer": [{"display": who}],
            "identifier": [{"system": MRN_SYSTEM, "value": f"MRN-{mrn}-{oid}"}],
            "note": [{"text": f"{who} born {born} MRN-{mrn}"}],
            "effectiveDateTime": "2026-02-07",
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}


def hits(text, where):
    return [f"{where}: {n!r} in {line.strip()[:300]!r}" for line in text.splitlines() for n in NEEDLES if n in line]


class PhiLeakTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir()
        cls.work = cls.tmp.__enter__()
        cls.sandbox = h.Sandbox()
        cls.proxy = h.FaultProxy(cls.sandbox.base.rsplit("/fhir", 1)[0])
        cls.texts = []  # (where, text): everything the adapter said

        zeb = ("Zebediah Quantrill", "1961-07-04", "99887766")
        phi = ("Philippa Oxenbridge", "1958-11-23", "55443322")
        for res in [patient("p1", "Zebediah", "Quantrill", zeb[1], zeb[2]),
                    patient("p2", "Philippa", "Oxenbridge", phi[1], phi[2]),
                    bilirubin("o1", "p1", *zeb),
                    bilirubin("o2", "p2", *phi, value=400),
                    # a unit no mapping knows, spelled as a name: rejected, the rejection must not quote it
                    bilirubin("o3", "p1", *zeb, unit="Zebediah")]:
            status, body = cls.sandbox.request("PUT", f"{res['resourceType']}/{res['id']}", res)
            assert status in (200, 201), body
        cls.subjects = os.path.join(cls.work, "subjects.csv")
        with open(cls.subjects, "w") as f:
            f.write("subject_id,patient,dose1_date,dose2_date\n"
                    f"S01,Patient/p1,2026-01-10,\nS02,{MRN_SYSTEM}|MRN-55443322,2026-01-10,\n")

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.sandbox.stop()
        cls.tmp.__exit__(None, None, None)

    def said(self, where, text):
        self.texts.append((where, text or ""))

    def config(self, name, base, subjects=None, **overrides):
        work = os.path.join(self.work, name)
        os.makedirs(work, exist_ok=True)
        return h.write_config(work, base, subjects or self.subjects, **overrides)

    def test_1_sync_with_server_errors_quoting_patients(self):
        quote = "Patient Zebediah Quantrill (MRN-99887766, born 1961-07-04) failed validation"
        self.proxy.set_rules([{"match": r"^/fhir/Observation\?", "action": "500", "text": quote, "times": 3},
                              {"match": r"^/fhir/metadata", "action": "422", "text": quote, "times": 1}])
        config = self.config("sync", self.proxy.base)
        for _ in range(3):  # the faults first (sync_failed, metadata refused), then clean passes
            r = h.run("run", "--once", "--config", config)
            self.said("run --once stderr", r.stderr)
            self.said("run --once stdout", r.stdout)
        self.proxy.clear_rules()
        r = h.run("run", "--once", "--config", config)
        self.said("run --once stderr", r.stderr)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        # Records are the trial's data (docs/contract.md: source_value and source_unit as sent), not
        # a log: only their error output is searched.
        recs = h.run("records", "--config", config)
        self.said("records stderr", recs.stderr)
        self.assertIn("Observation/o1", recs.stdout)  # the sync did read the seeded results
        self.said("audit", "\n".join(json.dumps(e) for e in h.audit_entries(config)))
        verify = h.run("audit", "verify", "--config", config)
        self.said("audit verify", verify.stdout + verify.stderr)
        self.assertTrue(any("sync_failed" in t for _, t in self.texts), "the injected errors did not happen")
        self.assert_no_phi()

    def test_2_daemon_metrics_and_notifications(self):
        certs = h.make_dev_certs(os.path.join(self.work, "certs"))
        token = os.path.join(self.work, "token")
        with open(token, "w") as f:
            f.write("tok-phi-test\n")
        config = self.config("daemon", self.sandbox.base,
                             callback=h.callback_section(certs, bearer_token_file=token))
        proc = h.start_daemon(config)
        try:
            log_path = proc.log_path
            listening = lambda what: next((json.loads(l) for l in open(log_path) if f'"event":"{what}"' in l), None)
            http_line = h.wait_until(lambda: listening("http_listening"), what="http_listening")
            cb_line = h.wait_until(lambda: listening("callback_listening"), what="callback_listening")
            port = int(http_line["address"].rsplit(":", 1)[1])
            cb_port = int(cb_line["address"].rsplit(":", 1)[1])
            h.wait_until(lambda: '"event":"sync_pass"' in open(log_path).read(), what="a sync pass")
            self.notify(cb_port, certs)

            def metrics():
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
                    return r.read().decode()

            # The authenticated Observation was stored (and the rest counted) before /metrics is read.
            text = h.wait_until(lambda: (lambda m: m if 'outcome="stored"' in m else None)(metrics()), what="a stored notification")
            self.said("/metrics", text)
            self.assertIn('fhir_adapter_callback_auth_failures_total{reason="bad_token"} 1', text)
        finally:
            proc.send_signal(h.signal.SIGTERM)
            self.said("daemon log", h.finish(proc))
        self.said("audit", "\n".join(json.dumps(e) for e in h.audit_entries(config)))
        self.assert_no_phi()

    def notify(self, port, certs):
        """Notifications that quote patients: unauthenticated, malformed, and authenticated with PHI."""
        import ssl
        import http.client
        ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt"))
        bodies = [
            ("Bearer wrong", json.dumps(bilirubin("o9", "p1", "Zebediah Quantrill", "1961-07-04", "99887766"))),
            ("Bearer tok-phi-test", '{"resourceType":"Zebediah Quantrill 1961-07-04","id":"x"}'),
            ("Bearer tok-phi-test", '{"resourceType":"Bundle","type":"Quantrill-99887766","entry":[]}'),
            ("Bearer tok-phi-test", '{"resourceType":"Observation","id":"o1", "note": [{"text": "Oxenbridge'),
            ("Bearer tok-phi-test", json.dumps(bilirubin("o4", "p2", "Philippa Oxenbridge", "1958-11-23", "55443322"))),
        ]
        for auth, body in bodies:
            conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=10)
            conn.request("POST", "/notify", body=body.encode(),
                         headers={"Content-Type": "application/fhir+json", "Authorization": auth})
            conn.getresponse().read()
            conn.close()

    def test_3_cli_error_paths(self):
        # A roster with the columns mixed up: names in date columns, a birth date as sex, an MRN as patient.
        broken = os.path.join(self.work, "broken.csv")
        with open(broken, "w") as f:
            f.write("subject_id,patient,dose1_date,dose2_date,sex\n"
                    "S01,Patient/p1,Zebediah Quantrill,1961-07-04,1961-07-04\n"
                    "S02,MRN-55443322,1958-11-23,Oxenbridge,Philippa\n"
                    "Philippa Oxenbridge,urn:x|MRN-99887766,,,\nPhilippa Oxenbridge,urn:x|MRN-99887766,,,\n")
        export = os.path.join(self.work, "export.ndjson")
        with open(export, "w") as f:
            f.write(json.dumps(bilirubin("o1", "p1", "Zebediah Quantrill", "1961-07-04", "99887766")) + "\n")
            f.write(json.dumps(bilirubin("o3", "p1", "Zebediah Quantrill", "1961-07-04", "99887766", unit="Quantrill")) + "\n")
            f.write('{"resourceType":"Observation","id":"Zebediah Quantrill 1961-07-04"\n')  # cut short
            f.write('{"resourceType":"Quantrill-99887766"}\n')
            f.write('{"resourceType":"Observation","id":"o7","valueQuantity":{"value":"Oxenbridge"},'
                    '"subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"1975-2"}]},'
                    '"status":"final","effectiveDateTime":"1958-11-23"}\n')
        for args in (["map", "--mappings", h.MAPPINGS, "--subjects", broken, export],
                     ["map", "--mappings", h.MAPPINGS, "--subjects", self.subjects, export],
                     ["map", "--mappings", h.MAPPINGS, "--subjects", self.subjects, "--format", "csv", export]):
            r = h.run(*args)
            self.said("map stderr", r.stderr)
            if args[4] == broken:
                self.assertEqual(r.returncode, 2, r.stderr)
        broken_config = self.config("broken", self.sandbox.base, subjects=broken)
        for args in (["check-config", "--config", broken_config], ["run", "--once", "--config", broken_config]):
            r = h.run(*args)
            self.said(args[0] + " stderr", r.stderr + r.stdout)
            self.assertEqual(r.returncode, 2, r.stderr)
        self.assert_no_phi()

    def assert_no_phi(self):
        found = []
        for where, text in self.texts:
            found += hits(text, where)
        self.assertEqual(found, [], "\n".join(found[:40]))


if __name__ == "__main__":
    unittest.main()
