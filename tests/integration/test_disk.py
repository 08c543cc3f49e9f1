"""A store or audit folder on a full or read-only filesystem: the daemon stops with a clear error
(exit non-zero, an error log line that names the store or the audit log), corrupts nothing
(SQLite integrity_check ok, `audit verify` exit 0) and, once there is room (or write access)
again, completes a pass with exactly the records of an undisturbed run.

The filesystems are small tmpfs mounts: root only, skipped otherwise (or where mount is refused)."""
import json
import os
import subprocess
import unittest

import harness as h

MB = 1024 * 1024


def error_events(stderr):
    """The `event` of every error-level JSON log line."""
    out = []
    for line in stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("level") == "error":
            out.append(entry.get("event", ""))
    return out


def fill(folder, leave):
    """Fills folder's filesystem with one file until `leave` bytes are free; returns its path."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    path = os.path.join(folder, "filler")
    with open(path, "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return path


class DiskTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("mounting a small tmpfs needs root")
        cls.tmp = h.TempDir()
        cls.work = cls.tmp.__enter__()
        cohort = os.path.join(cls.work, "cohort")
        subprocess.run(["node", os.path.join(h.SANDBOX, "cohort", "generate.mjs"), "--out", cohort, "--seed", "72",
                        "--subjects", "4"], check=True, capture_output=True)
        cls.subjects = os.path.join(cohort, "subjects.csv")
        cls.sandbox = h.Sandbox(seed_dir=cohort)
        clean = cls.config_for("clean")
        r = h.run("run", "--once", "--config", clean)
        assert r.returncode == 0, r.stderr[-2000:]
        cls.reference = h.records_text(clean)
        cls.count = 0

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()
        cls.tmp.__exit__(None, None, None)

    @classmethod
    def config_for(cls, name):
        work = os.path.join(cls.work, name)
        os.makedirs(work)
        return h.write_config(work, cls.sandbox.base, cls.subjects)

    def setUp(self):
        self.mounts = []
        type(self).count += 1
        self.config = self.config_for(f"disk{self.count}")
        self.var = os.path.join(os.path.dirname(self.config), "var")
        self.db = os.path.join(self.var, "adapter.db")

    def tearDown(self):
        for point in reversed(self.mounts):
            if subprocess.run(["umount", point], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", point], capture_output=True)

    def mount_tmpfs(self, point, size_mb=8):
        os.makedirs(point, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", point], capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest(f"mount is unavailable here: {r.stderr.strip()}")
        self.mounts.append(point)

    def remount(self, point, mode):
        r = subprocess.run(["mount", "-o", f"remount,{mode}", point], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def failed_run(self, words):
        """One `run --once` that must fail cleanly: exit 1 or 2 (not a signal), an error log line
        whose event names one of `words`."""
        r = h.run("run", "--once", "--config", self.config)
        self.assertIn(r.returncode, (1, 2), r.stderr[-1500:])
        events = error_events(r.stderr)
        self.assertTrue(any(w in e for e in events for w in words), f"error events {events}: none names {words}")
        return r

    def assert_sound(self):
        self.assertEqual(h.store_integrity(self.db), "ok")
        verify = h.run("audit", "verify", "--config", self.config)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)

    def assert_recovers(self):
        h.run_until_complete(self.config)
        self.assertEqual(h.records_text(self.config), self.reference)
        self.assert_sound()

    def test_full_store_filesystem_fails_clearly_and_recovers(self):
        # Store and audit log on 8 MB with 300 KB left: a first load needs about 1.5 MB.
        self.mount_tmpfs(self.var)
        filler = fill(self.var, 300 * 1024)
        self.failed_run(["store"])
        self.assert_sound()
        os.remove(filler)
        self.assert_recovers()

    def audit_disk_full_then_freed(self):
        # The store has room, the audit folder 64 KB: the records commit, their audit batch cannot.
        audit = os.path.join(self.var, "audit")
        self.mount_tmpfs(audit)
        filler = fill(audit, 64 * 1024)
        self.failed_run(["audit"])
        self.assert_sound()
        os.remove(filler)

    def test_full_audit_filesystem_stops_processing_and_recovers(self):
        self.audit_disk_full_then_freed()
        self.assert_recovers()

    def test_audit_coverage_after_audit_disk_full(self):
        # Every current record has a record_* audit entry once the audit folder has room again.
        self.audit_disk_full_then_freed()
        h.run_until_complete(self.config)
        missing = h.unaudited_records(self.config)
        self.assertEqual(len(missing), 0, f"{len(missing)} records have no record_* audit entry (first: {missing[:3]})")

    def test_read_only_store_fails_clearly_and_recovers(self):
        self.mount_tmpfs(self.var)
        h.run_until_complete(self.config)  # a working store first, then its filesystem goes read-only
        self.remount(self.var, "ro")
        self.failed_run(["store"])
        self.remount(self.var, "rw")
        self.assert_sound()
        self.assert_recovers()


if __name__ == "__main__":
    unittest.main()
