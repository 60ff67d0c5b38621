"""Test settings: the project's own settings with a fixed dev secret and a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
# The cache keys of this run only (the real workers a test starts inherit it): a Redis cache shared with
# the broker is never flushed, the run's own keys are deleted between tests (tests/conftest.py).
os.environ.setdefault("BMA_CACHE_PREFIX", f"bma-test-{os.getpid()}")

from bma.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Serve static files straight from the apps (no collectstatic before tests or browser tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# django-axes keeps failed logins in the database (its default handler), which every test rolls back or
# flushes: a lockout provoked by one test never reaches the next.
