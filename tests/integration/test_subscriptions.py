"""`fhir-adapter subscription register|list|delete` against the real sandbox FHIR server
(@medplum/fhir-router): one Subscription per analyte, idempotent, criteria without a status
filter, the callback bearer token as channel.header (and never printed), delete removes ours only."""
import json
import os
import unittest

import harness as h

SUBJECTS = "subject_id,patient,dose1_date,dose2_date\nS01,Patient/sub-p1,2026-01-10,2026-02-07\n"
TAG = "https://fhir-adapter.dev/subscription"
TOKEN = "subscription-token-7"
PUBLIC_URL = "https://adapter.hospital.example:8443/notify"


class SubscriptionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.space = h.CallbackWorkspace(SUBJECTS, TOKEN)
        cls.work, cls.certs, cls.sandbox, cls.subjects = cls.space.work, cls.space.certs, cls.space.sandbox, cls.space.subjects
        token = cls.space.token_file
        cls.config = h.write_config(cls.work, cls.sandbox.base, cls.subjects,
                                    callback=h.callback_section(cls.certs, bearer_token_file=token, public_url=PUBLIC_URL))
        with open(os.path.join(h.MAPPINGS, "analytes.json")) as f:
            cls.analytes = [a["code"] for a in json.load(f)["analytes"]]

    @classmethod
    def tearDownClass(cls):
        cls.space.close()

    def all_subscriptions(self):
        status, bundle = self.sandbox.request("GET", "Subscription?_count=1000")
        self.assertEqual(status, 200)
        return [e["resource"] for e in bundle.get("entry", [])]

    def sub(self, *args):
        return h.run("subscription", *args, "--config", self.config)

    def test_register_list_delete(self):
        # Someone else's Subscription: never touched.
        foreign = {"resourceType": "Subscription", "status": "requested", "reason": "other system",
                   "criteria": "Observation?code=http://loinc.org|718-7",
                   "channel": {"type": "rest-hook", "endpoint": "https://other.example/hook"}}
        status, _ = self.sandbox.request("POST", "Subscription", foreign)
        self.assertEqual(status, 201)

        for _ in range(2):  # idempotent: the second run updates, never duplicates
            r = self.sub("register")
            self.assertEqual(r.returncode, 0, r.stderr)
        ours = [s for s in self.all_subscriptions() if any(t.get("system") == TAG for t in s.get("meta", {}).get("tag", []))]
        self.assertEqual(len(ours), len(self.analytes))
        self.assertEqual(len(ours), 13)  # 11 outcome analytes + the supporting CREA and NA
        self.assertEqual(sorted(s["reason"].rsplit(" ", 1)[1] for s in ours), sorted(self.analytes))
        for s in ours:
            self.assertTrue(s["criteria"].startswith("Observation?code="), s["criteria"])
            self.assertNotIn("status", s["criteria"])
            self.assertEqual(s["channel"]["type"], "rest-hook")
            self.assertEqual(s["channel"]["endpoint"], PUBLIC_URL)
            self.assertEqual(s["channel"]["payload"], "application/fhir+json")
            self.assertEqual(s["channel"]["header"], ["Authorization: Bearer " + TOKEN])
        bili = [s for s in ours if s["reason"].endswith(" BILI")][0]
        self.assertIn("1975-2", bili["criteria"])
        self.assertNotIn(TOKEN, r.stdout + r.stderr)

        r = self.sub("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 13, r.stdout)
        self.assertNotIn(TOKEN, r.stdout + r.stderr)
        self.assertNotIn("Bearer", r.stdout)
        self.assertEqual(sorted(l.split("\t")[2] for l in lines), sorted(self.analytes))
        self.assertTrue(all(l.split("\t")[3] == PUBLIC_URL for l in lines))

        r = self.sub("delete")
        self.assertEqual(r.returncode, 0, r.stderr)
        left = self.all_subscriptions()
        self.assertEqual([s["reason"] for s in left], ["other system"])
        r = self.sub("list")
        self.assertEqual((r.returncode, r.stdout), (0, ""))

        # The audit log: registrations and removals by the cli, no secrets.
        audit = ""
        for name in sorted(os.listdir(os.path.join(self.work, "var", "audit"))):
            if name.endswith(".jsonl"):
                with open(os.path.join(self.work, "var", "audit", name)) as f:
                    audit += f.read()
        self.assertNotIn(TOKEN, audit)
        entries = [json.loads(l) for l in audit.splitlines() if l.strip()]
        self.assertEqual(sum(1 for e in entries if e["action"] == "subscription_registered"), 26)  # two register runs x 13
        self.assertEqual(sum(1 for e in entries if e["action"] == "subscription_removed"), 13)
        self.assertTrue(all(e["actor"] == "cli" for e in entries if e["action"].startswith("subscription_")))

    def test_register_needs_public_url(self):
        work = os.path.join(self.work, "no-url")
        os.makedirs(work)
        config = h.write_config(work, self.sandbox.base, self.subjects, callback=h.callback_section(self.certs))
        r = h.run("subscription", "register", "--config", config)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("public_url", r.stderr)

    def test_plain_http_public_url_is_refused(self):
        work = os.path.join(self.work, "http-url")
        os.makedirs(work)
        config = h.write_config(work, self.sandbox.base, self.subjects,
                                callback=h.callback_section(self.certs, public_url="http://adapter.example/notify"))
        r = h.run("subscription", "list", "--config", config)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("public_url", r.stderr)

    def test_server_error_exits_1(self):
        work = os.path.join(self.work, "down")
        os.makedirs(work)
        config = h.write_config(work, "http://127.0.0.1:9/fhir", self.subjects, fhir={"max_attempts": 1},
                                callback=h.callback_section(self.certs, public_url=PUBLIC_URL))
        r = h.run("subscription", "list", "--config", config)
        self.assertEqual(r.returncode, 1, r.stderr)


if __name__ == "__main__":
    unittest.main()
