"""Production settings: `check --deploy` is clean, and a missing SECRET_KEY fails loudly."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7$k2!pQ9v#Lm4@tR8wZ1&nB6yH3cF5jD0sG-aE_uK+oI=rT^Y",
    "ALLOWED_HOSTS": "registry.example.org",
    # Secrets of their own, required with DEBUG off (longitudinal/test_export_pseudonyms.py).
    "EXPORT_DATE_SHIFT_KEY": "dS7!kq2Lw9#Vx4mZ8pT1rB6nH3yC5fJ0",
    "EXPORT_PSEUDONYM_KEY": "pN4@hz8Qe1$Wc6vK3sR9tA2mG7uY5dL0",
}


def _manage(*args, env):
    unset = ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_check_deploy_is_clean_with_debug_off():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_missing_secret_key_stops_production_start():
    env = {k: v for k, v in PROD_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_sessions_expire_after_30_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
