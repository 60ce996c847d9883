"""The tests' own cache, broker and files: never the portal's, and one broker for all.

A test run clears the cache before every test and the browser tests purge the broker, so
neither may be the portal's; a worker a test starts and the code that sends it tasks must
meet on the same broker.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from lublin2030.celery import app
from lublin2030.settings import redis_db_of, redis_url_with_db


def test_redis_urls_name_their_database() -> None:
    assert redis_db_of("redis://cache.example:6379/4") == 4
    assert redis_db_of("redis://cache.example:6379") == 0
    assert redis_db_of("redis://cache.example:6379/4?db=6") == 6  # as redis-py reads it
    assert redis_url_with_db("redis://:pw@cache.example:6379/0", 3) == (
        "redis://:pw@cache.example:6379/3"
    )
    assert redis_url_with_db("rediss://cache.example/0?db=1&ssl_cert_reqs=none", 5) == (
        "rediss://cache.example/5?ssl_cert_reqs=none"
    )


def test_senders_and_workers_use_the_same_broker() -> None:
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.result_backend == settings.CELERY_RESULT_BACKEND
    assert app.conf.broker_transport_options == settings.CELERY_BROKER_TRANSPORT_OPTIONS


@pytest.mark.skipif(not settings.REDIS_URL, reason="Redis databases: with REDIS_URL only")
def test_the_tests_redis_databases_are_not_the_portals() -> None:
    portal = {settings.REDIS_BROKER_DB, settings.REDIS_CACHE_DB}
    cache_db = redis_db_of(settings.CACHES["default"]["LOCATION"])
    broker_db = redis_db_of(settings.CELERY_BROKER_URL)

    assert len({cache_db, broker_db}) == 2
    assert not {cache_db, broker_db} & portal


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="the embedded mode's folders")
def test_the_tests_folders_are_not_the_portals() -> None:
    from lublin2030 import settings as portal_settings

    portal = Path(portal_settings.VAR_DIR)
    own = portal / "test-run"

    # Its build locks' files too (core/builds.py).
    assert Path(settings.VAR_DIR).is_relative_to(own)
    assert Path(settings.CACHES["default"]["LOCATION"]).is_relative_to(own)
    assert Path(settings.MEDIA_ROOT).is_relative_to(own)
    for folder in ("data_folder_in", "processed_folder", "control_folder"):
        assert Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[folder]).is_relative_to(own)
