"""Settings for the test suite: the real settings with a throwaway key and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "fangxian-tests-only")
os.environ.setdefault("MEDIA_ROOT", "/tmp/fangxian-test-media")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
