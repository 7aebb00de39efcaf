"""Logins: lockout after repeated failures, and production settings that pass Django's deploy checks."""

import os
import subprocess
import sys

import pytest

from opora.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_repeated_wrong_passwords_lock_the_account_from_that_address(client, anna, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert attempt(client, "anna", "wrong").status_code == 200  # the form again, with an error
    assert attempt(client, "anna", "wrong").status_code == 429  # the third failure locks
    locked = attempt(client, "anna", PASSWORD)  # and even the right password is refused now
    assert locked.status_code == 429
    assert (
        "Too many failed logins" in locked.content.decode()
        or "Слишком много" in locked.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_success_before_the_limit_resets_the_count(client, anna, settings):
    settings.AXES_FAILURE_LIMIT = 3
    attempt(client, "anna", "wrong")
    attempt(client, "anna", "wrong")
    assert attempt(client, "anna", PASSWORD).status_code == 302
    client.logout()
    attempt(client, "anna", "wrong")
    assert attempt(client, "anna", PASSWORD).status_code == 302


def test_production_settings_pass_the_deploy_checks():
    env = {
        **os.environ,
        "DATABASE_URL": "sqlite:////tmp/opora-deploy-check.sqlite3",
        "SECRET_KEY": "x" * 64 + "-a-long-random-production-secret-value",
        "ALLOWED_HOSTS": "desk.example.com",
        "OPORA_SSL_REDIRECT": "1",
        "OPORA_HSTS_SECONDS": "31536000",
        "OPORA_HSTS_INCLUDE_SUBDOMAINS": "1",
        "OPORA_HSTS_PRELOAD": "1",
    }
    env.pop("OPORA_TESTING", None)
    env.pop("OPORA_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-m", "opora.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DATABASE_URL": "sqlite:////tmp/opora-deploy-check.sqlite3"}
    for name in ("SECRET_KEY", "OPORA_TESTING"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "opora.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
