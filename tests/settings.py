"""Settings of the test suite: the production settings (config/settings.py, DEBUG off)
with what only a test run supplies.

pytest-django imports this module before any conftest.py runs, so the environment is set
here; subprocesses the tests start (manage.py, a Celery worker, a server) inherit it.
"""

import os

# A test-only key: with DEBUG off the settings refuse to start without one.
os.environ.setdefault("SECRET_KEY", "test-only-key-" + "never-used-outside-the-test-suite-" * 2)
# Test-only export keys (longitudinal/exports/pseudonyms.py): required, long and distinct with
# DEBUG off.
os.environ.setdefault("EXPORT_DATE_SHIFT_KEY", "test-only-date-shift-key-" + "x" * 32)
os.environ.setdefault("EXPORT_PSEUDONYM_KEY", "test-only-pseudonym-key-" + "y" * 32)
# The test client and the live server speak plain HTTP; production keeps the redirect.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: E402, F403

# With DEBUG off, production serves the hashed names of collectstatic's manifest; the suite
# serves the source files (the live server's static handler) and needs no build step.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
