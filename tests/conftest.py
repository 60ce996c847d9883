from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from stages.process_loader import load_process

LUBLIN_PROCESS = Path(settings.BASE_DIR) / "data" / "processes" / "lublin2030.toml"


@pytest.fixture
def lublin_process(db: None) -> None:
    """The Lublin 2030 process as shipped: 9 stages, 12 areas, 27 districts."""
    load_process(LUBLIN_PROCESS)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    # PBKDF2's deliberate slowness is for real passwords, not for test accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    # Rate limits (allauth's among them) live in the cache; each test starts with none.
    from django.core.cache import cache

    from opinions.vocabulary import forget_held_here

    cache.clear()
    forget_held_here()  # the choice lists each process holds for a moment (vocabulary.py)


@pytest.fixture(autouse=True)
def no_pending_analysis_run() -> None:
    # A run sent by an earlier test must not stand in for this test's own.
    from opinions.analysis.requests import forget_pending_run

    forget_pending_run()
