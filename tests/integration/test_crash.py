"""Crash safety: fhir-adapter killed with SIGKILL at random (seeded, reproducible) and at chosen
moments, then restarted until a pass completes, must end with exactly the records of a run that
was never interrupted (`records` output byte for byte), a sound store and an intact audit chain.

Kill points are exact, never timed:
- request k: the fault proxy holds the daemon's k-th FHIR request (pages 1..k-1 are committed
  or in flight to the store), the test sees it held and kills;
- write k to the store's WAL, to the store file, or to the audit segment: strace kills the
  daemon on entry to that write(2)/pwrite64(2), before it happens.
Counts for the random choice come from a clean pass traced the same way. CrashTest kills first
loads, IncrementalCrashTest the pass that fetches what arrived after a first load (new results,
amendments, entered-in-error versions, deletions).

FA_CRASH_SEED changes the seed (default below); each cycle's kill points are printed."""
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import sys
import unittest

import harness as h

SEED = int(os.environ.get("FA_CRASH_SEED", "20261201"))
KILLS = 20
STRACE = shutil.which("strace")


def strace_kill(path, syscall, when):
    """A command prefix: kill the daemon on entry to its `when`-th `syscall` touching `path`."""
    return [STRACE, "-f", "-qq", "-o", "/dev/null", "-e", f"trace={syscall}", "-P", path,
            "-e", f"inject={syscall}:signal=KILL:when={when}", "--"]


def killed(proc):
    # SIGKILL: -9 when it is our child, 128 + 9 when strace reports the tracee's death
    return proc.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL)


def generate(out_dir, as_of=None):
    args = ["node", os.path.join(h.SANDBOX, "cohort", "generate.mjs"), "--out", out_dir, "--seed", "72", "--subjects", "4"]
    h.subprocess.run(args + (["--as-of", as_of] if as_of else []), check=True, capture_output=True)


def first_schema_store(path, source_db):
    """A store at schema version 1, made with the first migration step's SQL exactly as
    adapter/store/migrations.cpp ships it, filled with source_db's rows (the columns both have)."""
    with open(os.path.join(h.SOURCE_DIR, "adapter", "store", "migrations.cpp")) as f:
        step1 = re.search(r'R"SQL\((.*?)\)SQL"', f.read(), re.S).group(1)
    db = sqlite3.connect(path)
    try:
        db.executescript(step1)
        db.execute("ATTACH DATABASE ? AS src", (source_db,))
        tables = [r[0] for r in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            theirs = {r[1] for r in db.execute(f"PRAGMA src.table_info({table})")}
            cols = ",".join(r[1] for r in db.execute(f"PRAGMA main.table_info({table})") if r[1] in theirs)
            db.execute(f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM src.{table}")
        db.execute("PRAGMA user_version = 1")
        db.commit()
        db.execute("DETACH DATABASE src")
    finally:
        db.close()


def sql_count(db_path, table):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


class KillPoints:
    """Starting, killing and checking runs; the test classes below give the world and reference."""

    PASSES = 4  # completed passes at most until the records settle (see harness.settle)

    @classmethod
    def start_world(cls, as_of=None):
        """A temp folder, the 4-subject cohort (up to as_of) in it, the sandbox seeded with it,
        the fault proxy in front."""
        cls.tmp_dir = h.TempDir()
        cls.work = cls.tmp_dir.__enter__()
        cohort = os.path.join(cls.work, "cohort")
        generate(cohort, as_of)
        if as_of:
            os.remove(os.path.join(cohort, "deletes.txt"))  # the whole cohort's deletes come later
        cls.subjects = os.path.join(cohort, "subjects.csv")
        cls.sandbox = h.Sandbox(seed_dir=cohort)
        cls.proxy = h.FaultProxy(cls.sandbox.base.rsplit("/fhir", 1)[0])
        cls.counter = 0

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.sandbox.stop()
        cls.tmp_dir.__exit__(None, None, None)

    @classmethod
    def new_config(cls):
        cls.counter += 1
        work = os.path.join(cls.work, f"run{cls.counter:03d}")
        os.makedirs(work)
        # Pages of 20: many page boundaries to die at.
        return h.write_config(work, cls.proxy.base, cls.subjects, fhir={"page_size": 20})

    @staticmethod
    def paths(config):
        var = os.path.join(os.path.dirname(config), "var")
        return {"wal": os.path.join(var, "adapter.db-wal"), "db": os.path.join(var, "adapter.db"),
                "audit": os.path.join(var, "audit", "audit-000001.jsonl")}

    @classmethod
    def calibrate(cls, config, what):
        """One clean pass, traced: how many requests and writes it makes, and which audit write is
        the first of a record change."""
        p = cls.paths(config)
        trace = os.path.join(cls.work, f"calibrate-{cls.counter}.trace")
        before = cls.proxy.stats()["requests"]
        # -y names each descriptor's file: one traced run counts the writes to all three.
        prefix = [STRACE, "-f", "-qq", "-y", "-o", trace, "-s", "200", "-e", "trace=pwrite64,write",
                  "-P", p["wal"], "-P", p["db"], "-P", p["audit"], "--"]
        proc = h.start_daemon(config, "--once", prefix=prefix)
        log = h.finish(proc)
        assert proc.returncode == 0, log[-2000:]
        cls.requests = cls.proxy.stats()["requests"] - before
        with open(trace) as f:
            lines = f.readlines()
        cls.writes = {kind: [l for l in lines if f"<{path}>" in l] for kind, path in p.items()}
        # strace escapes the quotes of the data it prints
        cls.first_record_write = next(i + 1 for i, l in enumerate(cls.writes["audit"]) if '\\"action\\":\\"record_' in l)
        cls.limits = {"request": cls.requests, **{k: len(v) for k, v in cls.writes.items()}}
        sys.stderr.write(f"calibration ({what}): {cls.requests} requests, " +
                         ", ".join(f"{len(v)} writes to {k}" for k, v in cls.writes.items()) +
                         f"; the first record entry is audit write {cls.first_record_write}\n")

    # ---- the ways to die ---------------------------------------------------------------------------

    def die_at_request(self, config, k):
        """Runs `run --once` until its k-th FHIR request is in flight, then SIGKILL. False when the
        run finished first."""
        self.proxy.set_rules([{"request": self.proxy.stats()["requests"] + k, "action": "hold"}])
        proc = h.start_daemon(config, "--once")
        try:
            h.wait_until(lambda: proc.poll() is not None or self.proxy.stats()["held"] > 0, timeout=120,
                         what=f"request {k} or the end of the run")
            died = proc.poll() is None
        finally:
            h.finish(proc, kill=True)
            self.proxy.clear_rules()
            self.proxy.release()
        return died

    def die_at_write(self, config, kind, k):
        """Runs `run --once` under strace, killed on entry to its k-th write to the WAL, the store
        file or the audit segment. False when the run finished first."""
        syscall = "write" if kind == "audit" else "pwrite64"
        proc = h.start_daemon(config, "--once", prefix=strace_kill(self.paths(config)[kind], syscall, k))
        log = h.finish(proc)
        self.assertTrue(killed(proc) or proc.returncode == 0, f"exit {proc.returncode}: {log[-1500:]}")
        return killed(proc)

    def die(self, config, kind, k):
        return self.die_at_request(config, k) if kind == "request" else self.die_at_write(config, kind, k)

    def assert_recovered(self, config, what):
        """Restart until a pass completes; then the reference records, a sound store, a verified log."""
        codes, records = h.settle(config, self.PASSES)
        self.assertEqual(records, self.reference, f"{what}: records differ from a clean run")
        self.assertEqual(h.store_integrity(self.paths(config)["db"]), "ok", what)
        verify = h.run("audit", "verify", "--config", config)
        self.assertEqual(verify.returncode, 0, f"{what}: {verify.stdout}{verify.stderr}")
        return codes

    def kill_cycles(self, next_config, kills, max_cycles, seed):
        """Cycles of: next_config() (a store to start from); a run killed at a random point of one
        kind (in turn: a held request, a WAL write, a store file write, an audit write), in
        about a third of the cycles its restart killed too; restarts until a pass completes; the
        reference records. Returns how many runs were killed."""
        rng = random.Random(seed)
        kinds = ["request", "wal", "db", "audit"]
        done, cycles, gaps, by_kind = 0, 0, 0, {k: 0 for k in kinds}
        while done < kills and cycles < max_cycles:
            config = next_config()
            kind = kinds[cycles % len(kinds)]
            cycles += 1
            plan = [(kind, rng.randint(1, self.limits[kind]))]
            if rng.random() < 0.3:  # the restart: an incremental pass, fewer requests and writes
                plan.append(("request", rng.randint(1, 25)) if rng.random() < 0.5 else ("wal", rng.randint(1, 30)))
            outcome = []
            for kind, k in plan:
                died = done < kills and self.die(config, kind, k)
                done += died
                by_kind[kind] += died
                outcome.append(f"{kind} {k}: {'killed' if died else 'finished first'}")
            codes = self.assert_recovered(config, f"cycle {cycles} ({outcome})")
            missing = len(h.unaudited_records(config))
            gaps += missing > 0
            sys.stderr.write(f"cycle {cycles}: {'; '.join(outcome)}; restarts {codes}; records equal; "
                             f"records without an audit entry: {missing}\n")
        sys.stderr.write(f"random kills: seed {seed}, {done} kills ({by_kind}) in {cycles} cycles, "
                         f"{self.reference.count(chr(10))} records equal in every cycle, {gaps} cycle(s) with "
                         f"unaudited records (asserted in test_audit_coverage_after_kill)\n")
        return done


class CrashTest(KillPoints, unittest.TestCase):
    """First loads killed: a fresh store each time, the sandbox seeded with the whole cohort
    (4 subjects: ~520 Observations; amended, corrected, entered-in-error, deleted among them).
    A first load never sees a deleted result, so its first completed pass is final."""

    PASSES = 1

    @classmethod
    def setUpClass(cls):
        cls.start_world()
        cls.reference_config = cls.new_config()
        cls.calibrate(cls.reference_config, "first load")
        cls.reference = h.settle(cls.reference_config, cls.PASSES)[1]
        assert cls.reference.count("\n") > 300, "the reference run stored too few records"

    def test_random_kills_lose_nothing(self):
        self.assertEqual(self.kill_cycles(self.new_config, KILLS, 2 * KILLS, SEED), KILLS)

    # ---- chosen moments ----------------------------------------------------------------------------

    def test_kill_mid_first_load_after_the_tenth_page(self):
        config = self.new_config()
        # request 12 is in flight once GET metadata and 10 pages (search or history) were answered
        self.assertTrue(self.die_at_request(config, 12))
        db = self.paths(config)["db"]
        stored = sql_count(db, "observation_versions")
        self.assertGreater(stored, 0)  # what the first pages brought is kept, and it is not everything
        self.assertLess(stored, sql_count(self.paths(self.reference_config)["db"], "observation_versions"))
        self.assert_recovered(config, "killed after page 10")

    def test_kill_the_long_running_daemon_and_restart_it(self):
        # `run` without --once, as systemd runs it: killed mid first load, started again, stopped
        # with SIGTERM once it logged a completed pass.
        config = self.new_config()
        self.proxy.set_rules([{"request": self.proxy.stats()["requests"] + self.requests // 2, "action": "hold"}])
        proc = h.start_daemon(config)
        try:
            h.wait_until(lambda: self.proxy.stats()["held"] > 0, timeout=120, what="the held request")
        finally:
            h.finish(proc, kill=True)
            self.proxy.clear_rules()
            self.proxy.release()
        self.assertTrue(killed(proc))
        with open(proc.log_path) as f:
            start = len(f.read())  # the restart's lines come after this
        proc = h.start_daemon(config)

        def passed():
            with open(proc.log_path) as f:
                return '"event":"sync_pass"' in f.read()[start:]

        try:
            h.wait_until(passed, timeout=120,
                         what="a completed pass after the restart")
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(60), 0)
        finally:
            h.finish(proc, kill=True)
        self.assertEqual(h.records_text(config), self.reference)
        self.assertEqual(h.run("audit", "verify", "--config", config).returncode, 0)

    def kill_between_commit_and_audit(self):
        """A first load killed on entry to the audit write of its first record change: the records
        are committed, not one record_* entry is in the log."""
        config = self.new_config()
        self.assertTrue(self.die_at_write(config, "audit", self.first_record_write))
        self.assertEqual(sql_count(self.paths(config)["db"], "records"), self.reference.count("\n"))
        with open(self.paths(config)["audit"]) as f:
            self.assertNotIn('"action":"record_', f.read())
        return config

    def test_kill_between_record_commit_and_audit_write(self):
        config = self.kill_between_commit_and_audit()
        self.assert_recovered(config, "killed between the records commit and the audit write")

    def test_audit_coverage_after_kill(self):
        # Every current record has a record_* audit entry after a restart, even when the daemon died
        # between committing the records and writing their audit batch (and mid-batch).
        config = self.kill_between_commit_and_audit()
        h.run_until_complete(config)
        self.assert_audited(config, "a kill between the records commit and the audit write")
        config = self.new_config()
        self.assertTrue(self.die_at_write(config, "audit", self.first_record_write + 100))
        h.run_until_complete(config)
        self.assert_audited(config, "a kill in the middle of the audit batch")

    def assert_audited(self, config, what):
        missing = h.unaudited_records(config)
        total = self.reference.count("\n")
        self.assertEqual(len(missing), 0, f"after {what} and a restart, {len(missing)} of {total} records have no "
                                          f"record_* audit entry (first: {missing[:3]})")

    def test_kill_mid_migration(self):
        # A store at schema version 1 as the first release left it (holding the reference run's
        # data), killed at each of the first WAL writes of its migration to the current schema.
        source = self.paths(self.reference_config)
        current = self.user_version(source["db"])
        for k in (1, 2, 3, 4):
            config = self.new_config()
            p = self.paths(config)
            shutil.copytree(os.path.dirname(source["audit"]), os.path.dirname(p["audit"]))
            first_schema_store(p["db"], source["db"])
            self.assertTrue(self.die_at_write(config, "wal", k))
            self.assertEqual(h.store_integrity(p["db"]), "ok")
            # Died inside the migration's commit (a WAL header, then a header and a page per
            # frame): the WAL holds no committed frame, the store is still at version 1.
            self.assertEqual(self.user_version(p["db"]), 1, f"WAL write {k} was not inside the migration")
            self.assert_recovered(config, f"killed at WAL write {k} of the migration")
            self.assertEqual(self.user_version(p["db"]), current)

    @staticmethod
    def user_version(db_path):
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            return db.execute("PRAGMA user_version").fetchone()[0]
        finally:
            db.close()




class IncrementalCrashTest(KillPoints, unittest.TestCase):
    """Incremental passes killed: stores that completed a first load of the cohort as it was on
    AS_OF; then the rest arrives (new results, amendments, corrections, entered-in-error
    versions, deletions) and the pass that fetches it is killed. The reference is a clean
    incremental pass from the same starting state."""

    AS_OF = "2026-10-01T00:00:00Z"
    STORES = 8

    @classmethod
    def setUpClass(cls):
        cls.start_world(cls.AS_OF)
        stores = [cls.new_config() for _ in range(cls.STORES + 1)]
        for config in stores:
            r = h.run("run", "--once", "--config", config)
            assert r.returncode == 0, r.stderr[-2000:]
        full = os.path.join(cls.work, "full")
        generate(full)
        cls.arrive(full)
        cls.reference_config = stores.pop()
        cls.calibrate(cls.reference_config, "incremental pass")
        cls.reference = h.settle(cls.reference_config)[1]
        cls.stores = stores

    @classmethod
    def arrive(cls, full):
        """Writes what the whole cohort has beyond the early one to the sandbox, in order."""
        with open(os.path.join(cls.work, "cohort", "observations.ndjson")) as f:
            early = f.read().splitlines()
        with open(os.path.join(full, "observations.ndjson")) as f:
            lines = f.read().splitlines()
        assert lines[:len(early)] == early, "the early cohort is not a prefix of the whole one"
        for line in lines[len(early):]:
            res = json.loads(line)
            status, body = cls.sandbox.request("PUT", f"Observation/{res['id']}", res,
                                               headers={"x-sandbox-keep-lastupdated": "true"})
            assert status in (200, 201), body
        with open(os.path.join(full, "deletes.txt")) as f:
            for oid in f.read().split():
                status, _ = cls.sandbox.request("DELETE", f"Observation/{oid}")
                assert status in (200, 204), status
        sys.stderr.write(f"arrived after the first loads: {len(lines) - len(early)} versions, deletes\n")

    def test_random_kills_during_incremental_passes_lose_nothing(self):
        stores = iter(self.stores)
        self.assertEqual(self.kill_cycles(lambda: next(stores), self.STORES, self.STORES, SEED + 1), self.STORES)



if STRACE is None:
    CrashTest = unittest.skip("strace is not installed: exact kill points need it")(CrashTest)
    IncrementalCrashTest = unittest.skip("strace is not installed: exact kill points need it")(IncrementalCrashTest)

if __name__ == "__main__":
    unittest.main()
