from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k7#Qz!p2" * 8,
    "ALLOWED_HOSTS": "strategia.example.org",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_COOKIES": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_prints_no_warnings_with_production_settings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_defaults_are_polish_and_warsaw() -> None:
    assert settings.LANGUAGE_CODE == "pl"
    assert [code for code, _ in settings.LANGUAGES] == ["pl", "en"]
    assert settings.TIME_ZONE == "Europe/Warsaw"
    assert settings.AUTHENTICATION_BACKENDS[0] == "rules.permissions.ObjectPermissionBackend"
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_TASK_SERIALIZER == "json"


ONLY_THE_THREE = {
    "DEBUG": "0",
    "SECRET_KEY": "k7#Qz!p2" * 8,
    "ALLOWED_HOSTS": "strategia.example.org",
}
# Variables that turn a secure default off (the Makefile sets them for plain-HTTP runs).
OPT_OUTS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "TRUSTED_PROXIES",
    "OPINION_TRUSTED_PROXIES",
)


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", *OPT_OUTS)}
    return subprocess.run(
        [sys.executable, *(["manage.py", *code.split()] if code.startswith("check") else
                           ["-c", code])],
        cwd=BASE_DIR, env={**clean, "DJANGO_SETTINGS_MODULE": "lublin2030.settings", **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_check_deploy_is_clean_with_only_debug_off_a_key_and_the_hosts() -> None:
    result = run_python("check --deploy --fail-level WARNING", ONLY_THE_THREE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_defaults_are_secure_unless_turned_off() -> None:
    show = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS, "
        "getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    secure = run_python(show, ONLY_THE_THREE)
    assert secure.stdout.split() == ["True"] * 5 + ["31536000", "None"], secure.stderr
    plain = run_python(show, {**ONLY_THE_THREE, "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0"})
    assert plain.stdout.split()[:4] == ["False"] * 4, plain.stderr
    # The proxy header is believed only behind a configured proxy.
    proxied = run_python(show, {**ONLY_THE_THREE, "TRUSTED_PROXIES": "1"})
    assert proxied.stdout.strip().endswith("('HTTP_X_FORWARDED_PROTO', 'https')"), proxied.stderr


def test_a_short_secret_key_is_refused_when_debug_is_off() -> None:
    result = run_python("check", {**ONLY_THE_THREE, "SECRET_KEY": "x" * 49})
    assert result.returncode != 0
    assert "at least 50" in result.stderr


def test_log_lines_are_stamped_in_utc_in_every_process() -> None:
    import logging
    import time

    from django.conf import settings

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.created = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC, 23:13:20 in Warsaw
    # Celery's and gunicorn's formatters are logging.Formatter's too.
    assert logging.Formatter().formatTime(record).startswith("2023-11-14 22:13:20")
    assert logging.Formatter.converter is time.gmtime
    stamp = logging.Formatter(datefmt=settings.LOG_DATE_FORMAT).formatTime(
        record, settings.LOG_DATE_FORMAT
    )
    assert stamp == "2023-11-14T22:13:20Z"
