"""Settings for the test suite: the real settings with a throwaway key and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "fangxian-tests-only")
os.environ.setdefault("MEDIA_ROOT", "/tmp/fangxian-test-media")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the browser tests' live server then gets its own connection, and
    # SQLite's busy timeout makes a request still running when a test ends wait for the
    # flush instead of colliding with it on one shared connection ("table is locked").
    DATABASES["default"]["TEST"] = {"NAME": f"/tmp/fangxian-test-{os.getpid()}.sqlite3"}  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tasks run inside the request that enqueues them; fangxian/jobs/tests runs the database
# backend and its worker where the difference matters.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
