"""Safe defaults: DEBUG is off unless asked for, no key from the repository signs anything
with DEBUG off, `check --deploy` is clean, and `make run` turns DEBUG on explicitly."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
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
    # Start from the environment a server would have: none of what the suite sets.
    unset = ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT",
             "DJANGO_ALLOW_ASYNC_UNSAFE")
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


def test_debug_is_off_unless_asked_for():
    env = {"SECRET_KEY": PROD_ENV["SECRET_KEY"]}
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)",
                     env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_with_nothing_set_no_key_from_the_repository_is_used():
    result = _manage("check", env={})
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_make_runs_development_settings_load_in_a_fresh_process():
    # `make run` failed at `migrate` once while the suite passed: in a fresh process DRF's
    # views were first imported by the module holding the default parser (an import
    # cycle). A fresh `manage.py check` with DEBUG=1 is what `make run` starts with.
    result = _manage("check", env={"DEBUG": "1"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_suite_itself_runs_with_debug_off():
    # The module-level choices (security settings, static storage) follow DEBUG off.
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS > 0


def test_make_run_turns_debug_on_explicitly():
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    result = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=True)
    commands = [line for line in result.stdout.splitlines() if "manage.py" in line]
    assert {c.split("manage.py")[1].split()[0] for c in commands} >= {
        "migrate", "seed_demo", "runserver"
    }
    assert all("DEBUG=1" in command for command in commands), commands


def test_sessions_expire_after_30_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
