"""End-to-end tests of the push path: the daemon's HTTPS receiver (certificates from
certs/make-dev-certs.sh) in front of the real sandbox FHIR server. The test plays the FHIR
server's subscription delivery: it creates an Observation in the sandbox, then announces it."""
import http.client
import json
import os
import signal
import ssl
import subprocess
import threading
import time
import unittest

import harness as h

SUBJECTS = "subject_id,patient,dose1_date,dose2_date\nS01,Patient/push-p1,2026-01-10,2026-02-07\n"


def observation(value):
    return {"resourceType": "Observation", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]},
            "subject": {"reference": "Patient/push-p1"}, "effectiveDateTime": "2026-02-10T08:00:00+08:00",
            "valueQuantity": {"value": value, "unit": "umol/L", "system": "http://unitsofmeasure.org", "code": "umol/L"}}


class Daemon:
    def __init__(self, config):
        self.proc = subprocess.Popen([h.BINARY, "run", "--config", config], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.changed = threading.Condition()
        self.port = None
        self.ready = threading.Event()
        self.synced = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(30):
            raise RuntimeError("no callback_listening line:\n" + "\n".join(self.lines[-20:]))
        if not self.synced.wait(60):
            raise RuntimeError("no first sync_pass:\n" + "\n".join(self.lines[-20:]))

    def _read(self):
        for line in self.proc.stderr:
            with self.changed:
                self.lines.append(line.rstrip())
                self.changed.notify_all()
            if '"event":"callback_listening"' in line:
                self.port = int(json.loads(line)["address"].rsplit(":", 1)[1])
                self.ready.set()
            if '"event":"sync_pass"' in line:
                self.synced.set()

    def wait_for_line(self, predicate, timeout=10):
        """The first log line (parsed) for which predicate is true, waiting at most `timeout` s."""
        def match():
            return next((json.loads(l) for l in self.lines if l.startswith("{") and predicate(json.loads(l))), None)
        with self.changed:
            self.changed.wait_for(lambda: match() is not None, timeout)
            return match()

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        rc = self.proc.wait(30)
        self.proc.stderr.close()
        return rc


class PushTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.space = h.CallbackWorkspace(SUBJECTS, "push-token-1")
        cls.work, cls.certs, cls.sandbox, cls.subjects = cls.space.work, cls.space.certs, cls.space.sandbox, cls.space.subjects
        cls.tls = ssl.create_default_context(cafile=os.path.join(cls.certs, "ca.crt"))

    @classmethod
    def tearDownClass(cls):
        cls.space.close()

    def config(self, name):
        work = os.path.join(self.work, name)
        os.makedirs(work)
        return h.write_config(work, self.sandbox.base, self.subjects, sync={"interval_seconds": 300},
                              callback=h.callback_section(self.certs, bearer_token_file=self.space.token_file))

    def notify(self, port, method, path, body, token="push-token-1"):
        conn = http.client.HTTPSConnection("localhost", port, context=self.tls, timeout=10)
        headers = {"Content-Type": "application/fhir+json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, path, body=json.dumps(body) if body is not None else b"", headers=headers)
        r = conn.getresponse()
        r.read()
        conn.close()
        return r.status

    def wait_for_record(self, config, observation_id, limit):
        """Polls the stored records until the Observation's is there (at most `limit` s)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if any(r["observation"].startswith("Observation/" + observation_id) for r in h.records(config)):
                return True
            time.sleep(0.02)
        return None

    @staticmethod
    def pushed(observation_id):
        """A push_processed line that stored a version of the Observation."""
        return lambda e: e.get("event") == "push_processed" and "Observation/" + observation_id in e["observations"].split(",")

    # No wall-clock limit here (timing belongs to benchmarks: bench/callback_bench.cpp measures the
    # receiver's acknowledgement latency): what is asserted is that the push path, not a poll,
    # delivered the record.
    def test_an_announced_observation_becomes_a_record_without_a_poll(self):
        config = self.config("e2e")
        daemon = Daemon(config)
        try:
            # R4 rest-hook with payload, as HAPI sends it.
            status, created = self.sandbox.request("POST", "Observation", observation(30.5))
            self.assertEqual(status, 201)
            self.assertEqual(self.notify(daemon.port, "PUT", "/notify/Observation/" + created["id"], created), 200)
            self.assertIsNotNone(self.wait_for_record(config, created["id"], 5), "\n".join(daemon.lines[-20:]))
            # The notification carried the resource: stored as it came, no read, no poll asked for,
            # and no poll ran (the only sync_pass is the first one; the interval is 300 s).
            pushed = daemon.wait_for_line(self.pushed(created["id"]))
            self.assertIsNotNone(pushed, "\n".join(daemon.lines[-20:]))
            self.assertEqual((pushed["new_versions"], pushed["reads"], pushed["poll"]), ("1", "0", "no"))
            self.assertEqual(len(h.sync_log("\n".join(daemon.lines))), 1)
            # Backport id-only: the daemon reads the resource from the server.
            status, second = self.sandbox.request("POST", "Observation", observation(41.0))
            bundle = {"resourceType": "Bundle", "type": "history", "entry": [
                {"resource": {"resourceType": "Parameters", "parameter": [
                    {"name": "subscription", "valueReference": {"reference": "Subscription/s1"}},
                    {"name": "type", "valueCode": "event-notification"},
                    {"name": "events-since-subscription-start", "valueString": "1"},
                    {"name": "notification-event", "part": [{"name": "event-number", "valueString": "1"},
                                                            {"name": "focus", "valueReference": {"reference": "Observation/" + second["id"]}}]}]}},
                {"fullUrl": self.sandbox.base + "/Observation/" + second["id"]}]}
            self.assertEqual(self.notify(daemon.port, "POST", "/notify", bundle), 200)
            self.assertIsNotNone(self.wait_for_record(config, second["id"], 5))
            # id-only: the processor read the resource from the server (one GET) and stored it.
            pushed = daemon.wait_for_line(self.pushed(second["id"]))
            self.assertIsNotNone(pushed, "\n".join(daemon.lines[-20:]))
            self.assertEqual((pushed["new_versions"], pushed["reads"]), ("1", "1"))
            # Unauthenticated and malformed notifications change nothing.
            before = h.records(config)
            self.assertEqual(self.notify(daemon.port, "POST", "/notify", None, token="wrong"), 401)
            self.assertEqual(self.notify(daemon.port, "POST", "/notify", {"resourceType": "Patient", "id": "x"}), 400)
            self.assertEqual(h.records(config), before)
        finally:
            self.assertEqual(daemon.stop(), 0)
        log = "\n".join(daemon.lines)
        self.assertNotIn("push-token-1", log)
        self.assertIn('"event":"push_processed"', log)

    def test_a_notification_accepted_before_a_kill_is_processed_after_the_restart(self):
        config = self.config("kill")
        daemon = Daemon(config)
        status, created = self.sandbox.request("POST", "Observation", observation(55.0))
        self.assertEqual(self.notify(daemon.port, "PUT", "/notify/Observation/" + created["id"], created), 200)
        daemon.stop(signal.SIGKILL)  # at once: processing may or may not have run
        # Restart: whatever was pending is processed (the notification was durable before the 200).
        daemon = Daemon(config)
        try:
            self.assertIsNotNone(self.wait_for_record(config, created["id"], 5), "\n".join(daemon.lines[-30:]))
            import sqlite3
            db = sqlite3.connect(os.path.join(os.path.dirname(config), "var", "adapter.db"))
            self.assertEqual(db.execute("SELECT COUNT(*) FROM notifications WHERE status = 'pending'").fetchone()[0], 0)
            self.assertEqual(db.execute("SELECT COUNT(*) FROM notifications").fetchone()[0], 1)
        finally:
            self.assertEqual(daemon.stop(), 0)


if __name__ == "__main__":
    unittest.main()
