# SPDX-License-Identifier: AGPL-3.0-or-later
"""Settings for the test suite: the real settings, with a throw-away folder and fast hashing."""

import os
import tempfile

os.environ.setdefault("NERVEPATH_DEV", "1")
if "NERVEPATH_VAR_DIR" not in os.environ:
    # The run's folder: made by its first process, inherited by the xdist workers and
    # the processes the tests start, removed when that first process ends
    # (tests/conftest.py, pytest_unconfigure).
    os.environ["NERVEPATH_VAR_DIR"] = tempfile.mkdtemp(prefix="nervepath-test-")
    os.environ["NERVEPATH_TEST_VAR_OWNER"] = str(os.getpid())

if os.environ.get("NERVEPATH_TEST_NOW"):
    # The whole session at one moment (tests/clock.py); ``tests`` is on the path here.
    import clock

    clock.travel_from_env()

from nervepath.config.settings import *  # noqa: F403
from nervepath.config.settings import DATABASES, VAR_DIR

# Hashing cost is not what these tests are about (Argon2 stays the production hasher).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A real file, not shared-cache memory: concurrency tests need SQLite's real locking.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# Pages render without a collectstatic run (production uses the hashed manifest).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

# Rate-limit counters live in this process only; tests/conftest.py clears them per test.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The killed-worker test (tests/wearables/test_worker_killed.py) starts real workers
# with a slowed analyzer, so it can kill one mid-analysis.
if os.environ.get("NERVEPATH_TEST_ANALYSIS_DELAY"):
    WEARABLES_ANALYZER = "tests.wearables.slow.analyze_slowly"
