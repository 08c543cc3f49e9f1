"""Data safety under a misbehaving FHIR server: sandbox/flaky-proxy.mjs between the adapter and the
real sandbox server injects throttling, server errors, broken bodies, paging faults, slow bodies,
empty searchsets and 404s. Whatever the faults, once they stop the store's `records` equal a
fault-free run's byte for byte, and a fault never withdraws a record (docs/fhir-servers.md).

Each test: a fresh store, `run --once` a few times through the proxy with the faults on, then
with the faults off until a pass completes. The exit code of every faulted run is collected and
printed at the end (FAULT_EXIT_CODES) for the README's reliability table."""
import json
import os
import sys
import unittest

import harness as h

# A trial search (one per analyte): "code=" in the query. The incremental form carries
# _lastUpdated=ge<watermark>; the rescan listing (and a first load) does not (both _sort by it).
SEARCH = r"^/fhir/Observation\?code="
RESCAN_LISTING = r"^/fhir/Observation\?code=(?!.*[?&]_lastUpdated=)"
NEXT_PAGE = r"^/fhir/Observation\?.*_offset=[1-9]"
READ = r"^/fhir/Observation/[^/?]+$"

FAULT_EXIT_CODES = {}


def statuses(text):
    """observation id -> record status, from `records` NDJSON."""
    out = {}
    for line in text.splitlines():
        rec = json.loads(line)
        out[rec["observation"].split("/")[1]] = rec["status"]
    return out


class FaultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir()
        cls.work = cls.tmp.__enter__()
        cohort = os.path.join(cls.work, "cohort")
        # 6 subjects: ~800 Observations, 5 deleted, every kind of version chain the generator makes.
        h.subprocess.run(["node", os.path.join(h.SANDBOX, "cohort", "generate.mjs"), "--out", cohort, "--seed", "72",
                          "--subjects", "6"], check=True, capture_output=True)
        cls.subjects = os.path.join(cohort, "subjects.csv")
        cls.sandbox = h.Sandbox(seed_dir=cohort)
        cls.proxy = h.FaultProxy(cls.sandbox.base.rsplit("/fhir", 1)[0])
        clean = cls.config_for("clean", cls.sandbox.base)
        r = h.run("run", "--once", "--config", clean)
        assert r.returncode == 0, r.stderr[-2000:]
        cls.reference = h.records_text(clean)
        cls.reference_status = statuses(cls.reference)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.sandbox.stop()
        cls.tmp.__exit__(None, None, None)
        sys.stderr.write("FAULT_EXIT_CODES " + json.dumps(FAULT_EXIT_CODES, sort_keys=True) + "\n")

    @classmethod
    def config_for(cls, name, base):
        work = os.path.join(cls.work, name)
        os.makedirs(work)
        # Pages of 50 (several pages per analyte), 3 attempts per request, a 1 s read timeout.
        return h.write_config(work, base, cls.subjects,
                              fhir={"page_size": 50, "max_attempts": 3, "read_timeout_seconds": 1})

    def setUp(self):
        self.proxy.clear_rules()

    def tearDown(self):
        self.proxy.clear_rules()

    def faulted(self, name, rules, runs=2, populate=False):
        """Runs `run --once` `runs` times through the proxy with `rules` on (after one clean pass
        when `populate`), then with the faults off until a pass completes. Asserts, after every
        step, that no record the reference keeps was withdrawn, and at the end the reference
        records and an intact audit log. Returns the faulted runs' exit codes."""
        config = self.config_for(name, self.proxy.base)
        if populate:
            h.run_until_complete(config)
        self.proxy.set_rules(rules)
        codes, problems = [], []
        for _ in range(runs):
            r = h.run("run", "--once", "--config", config)
            codes.append(r.returncode)
            self.assertNotIn("Segmentation", r.stderr)
            self.assertNotEqual(r.returncode, 2, r.stderr[-1500:])  # never taken for a configuration error
            if os.path.exists(os.path.join(os.path.dirname(config), "var", "adapter.db")):
                problems += self.withdrawals(config, f"faulted run {len(codes)}")
        hits = self.hits = [rule["hits"] for rule in self.proxy.stats()["rules"]]
        self.proxy.clear_rules()
        FAULT_EXIT_CODES[name] = codes
        self.assertTrue(all(n > 0 for n in hits), f"{name}: a fault was never injected (hits {hits})")
        records = h.settle(config)[1]
        problems += self.withdrawals(config, "after the faults stopped")
        if records != self.reference:
            problems.append("after the faults stopped: records differ from a fault-free run")
        verify = h.run("audit", "verify", "--config", config)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        self.assertEqual(problems, [], f"{name} (exit codes {codes})")
        return codes

    def withdrawals(self, config, when):
        wrong = self.wrongly_withdrawn(config)
        total = len(self.reference_status)
        return [f"{when}: {len(wrong)} of {total} records withdrawn that the server still has (first: {wrong[:3]})"
                ] if wrong else []

    def wrongly_withdrawn(self, config):
        current = statuses(h.records_text(config))
        return sorted(i for i, s in current.items() if s == "retracted" and self.reference_status.get(i) != "retracted")

    # ---- transient faults: retried within the pass ----------------------------------------------

    def test_429_without_retry_after_is_retried(self):
        codes = self.faulted("429", [{"match": SEARCH, "times": 2, "action": "429"}])
        self.assertEqual(codes[0], 0)  # 2 failures, 3 attempts: the third succeeds
        self.assertEqual(self.hits, [2])

    def test_429_with_retry_after_is_retried(self):
        codes = self.faulted("429-retry-after", [{"match": NEXT_PAGE, "times": 1, "action": "429-retry-after"},
                                                 {"match": SEARCH, "skip": 3, "times": 1, "action": "429-retry-date"}])
        self.assertEqual(codes[0], 0)

    def test_502_and_503_are_retried(self):
        codes = self.faulted("502-503", [{"match": SEARCH, "times": 1, "action": "502"},
                                         {"match": NEXT_PAGE, "times": 1, "action": "503"},
                                         {"match": SEARCH, "skip": 5, "times": 2, "action": "503-retry-after"}])
        self.assertEqual(codes[0], 0)

    def test_reset_mid_body_is_retried(self):
        codes = self.faulted("reset-mid-body", [{"match": NEXT_PAGE, "times": 2, "action": "reset-mid-body"},
                                                {"match": SEARCH, "skip": 4, "times": 1, "action": "reset"}])
        self.assertEqual(codes[0], 0)
        self.assertEqual(self.hits, [2, 1])

    def test_slow_body_past_the_read_timeout_is_retried(self):
        # 1 s read timeout; the body's second half comes 3 s late, twice: the third attempt succeeds.
        codes = self.faulted("stall-body", [{"match": NEXT_PAGE, "times": 2, "action": "stall-body-3000"}])
        self.assertEqual(codes[0], 0)
        # both stalled answers were given up on (and the page asked again): the timeout fired
        log = [e for e in self.proxy.stats(log=True)["log"] if e["action"] == "stall-body-3000"]
        self.assertEqual(len(log), 2)
        self.assertEqual(log[0]["url"], log[1]["url"])

    def test_repeated_page_changes_nothing(self):
        # A page answered with the previous page's body (whose next link is the page asked for).
        codes = self.faulted("repeat-previous", [{"match": NEXT_PAGE, "times": 3, "action": "repeat-previous"}])
        self.assertEqual(codes[0], 0)

    # ---- faults that fail the pass: the next pass completes it -----------------------------------

    def test_500_fails_the_pass_and_the_next_one_completes(self):
        codes = self.faulted("500", [{"match": NEXT_PAGE, "skip": 2, "times": 1, "action": "500"}])
        self.assertEqual(codes, [1, 0])  # not retried: --once exits 1; the second run completes

    def test_persistent_503_fails_every_pass_until_it_stops(self):
        codes = self.faulted("503-persistent", [{"match": NEXT_PAGE, "skip": 1, "action": "503"}])
        self.assertEqual(codes, [1, 1])  # 3 attempts each, then the pass fails

    def test_truncated_json_fails_the_pass(self):
        codes = self.faulted("truncate-json", [{"match": NEXT_PAGE, "skip": 1, "times": 1, "action": "truncate-json"}])
        self.assertEqual(codes, [1, 0])

    def test_vanished_next_page_fails_the_pass(self):
        codes = self.faulted("404-next-page", [{"match": NEXT_PAGE, "skip": 3, "times": 1, "action": "404"}])
        self.assertEqual(codes, [1, 0])

    def test_faults_during_an_incremental_pass_after_a_first_load(self):
        codes = self.faulted("incremental-mixed", [{"match": SEARCH, "times": 1, "action": "429"},
                                                   {"match": RESCAN_LISTING, "skip": 2, "times": 1, "action": "truncate-json"},
                                                   {"match": RESCAN_LISTING, "skip": 4, "times": 1, "action": "reset-mid-body"}],
                             populate=True)
        self.assertEqual(codes, [1, 0])

    # ---- empty answers and 404s must never withdraw a record ----------------------------------------

    def test_empty_searchset_withdraws_nothing(self):
        # Every rescan listing comes back empty; each stored Observation is then read, and exists.
        codes = self.faulted("empty-searchset", [{"match": RESCAN_LISTING, "action": "empty-searchset"}], populate=True)
        self.assertEqual(codes, [0, 0])

    def test_404_for_a_resource_that_exists_withdraws_nothing(self):
        # An empty listing makes the rescan read every stored Observation; one read answers 404
        # once although the resource is there (a load-balanced replica that lags, a proxy glitch).
        victim = next(i for i, s in sorted(self.reference_status.items()) if s == "final")
        self.faulted("404-existing", [{"match": RESCAN_LISTING, "action": "empty-searchset"},
                                      {"match": rf"^/fhir/Observation/{victim}$", "times": 1, "action": "404"}],
                     populate=True)

    def test_empty_listing_and_404_everywhere_withdraws_nothing(self):
        # A server that lost its data (or a misrouted base URL): every listing empty, every read
        # 404. Withdrawing every result of the trial on that evidence is the worst possible answer.
        self.faulted("mass-404", [{"match": RESCAN_LISTING, "action": "empty-searchset"},
                                  {"match": READ, "action": "404"}], populate=True)


if __name__ == "__main__":
    unittest.main()
