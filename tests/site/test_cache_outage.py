"""The Redis cache going down costs no resident a write (lublin2030/cache.py).

A Redis server of this test's own, on a free port, is started and stopped here; the one
the rest of the suite uses is never touched.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from lublin2030 import cache as resilient
from opinions.models import Opinion
from tests.factories import TEST_PASSWORD, UserFactory
from tests.opinions.test_submit import TEXT, answer_url, form_data

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OwnRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the test's Redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def own_redis(settings: Any) -> Iterator[OwnRedis]:
    redis = OwnRedis()
    redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "lublin2030.cache.ReusedClientRedisCache",
            "LOCATION": redis.url,
            "KEY_PREFIX": "outage-test",
        }
    }
    try:
        yield redis
    finally:
        redis.stop()


def test_calls_fall_back_to_memory_at_once_and_return_to_redis(
    own_redis: OwnRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = caches["default"]
    assert isinstance(cache, resilient.ReusedClientRedisCache)
    cache.set("kept", "in redis")
    assert cache.get("kept") == "in redis"

    own_redis.stop()
    started = time.monotonic()
    assert cache.get("kept") is None  # Redis is gone; its memory was not copied
    first = time.monotonic() - started
    cache.set("during", "in memory")
    assert cache.get("during") == "in memory"
    assert cache.add("claim", 1) is True
    assert cache.add("claim", 1) is False
    assert cache.incr("claim") == 2
    assert not cache.redis_is_up
    # Only the first call of an outage waits, and not for long.
    assert first < 1.0
    started = time.monotonic()
    for _ in range(100):
        cache.get("during")
    assert time.monotonic() - started < 0.5

    own_redis.start()  # an empty Redis on the same port
    monkeypatch.setattr(resilient, "OUTAGE_SECONDS", 0.0)
    cache.mark_down(ConnectionError("test"))  # the outage ends at once
    cache.set("back", "in redis")
    assert cache.redis_is_up
    assert cache.get("back") == "in redis"
    assert cache.get("during") is None  # memory is left behind once Redis answers


def test_an_opinion_is_saved_while_the_cache_is_down(
    client: Client, lublin_process: None, own_redis: OwnRedis
) -> None:
    own_redis.stop()

    response = client.post(answer_url(), form_data(text=TEXT))

    assert response.status_code == 302
    assert Opinion.objects.filter(text=TEXT).count() == 1


def test_the_rate_limit_still_counts_in_memory_while_the_cache_is_down(
    client: Client, lublin_process: None, own_redis: OwnRedis, settings: Any
) -> None:
    settings.OPINION_RATE_LIMIT = 2
    own_redis.stop()

    statuses = [
        client.post(answer_url(), form_data(text=f"{TEXT} Numer {n}.")).status_code
        for n in range(3)
    ]

    assert statuses[:2] == [302, 302]
    assert statuses[2] == 429
    assert Opinion.objects.count() == 2


def test_logging_in_works_while_the_cache_is_down(client: Client, own_redis: OwnRedis) -> None:
    from allauth.account.models import EmailAddress

    person = UserFactory()
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    own_redis.stop()

    wrong = client.post(reverse("account_login"), {"login": person.email, "password": "nie"})
    right = client.post(
        reverse("account_login"), {"login": person.email, "password": TEST_PASSWORD}
    )

    assert wrong.status_code == 200  # the form again, with its error (allauth's throttle counted)
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_public_pages_render_while_the_cache_is_down(
    client: Client, own_redis: OwnRedis, settings: Any
) -> None:
    from core.pagecache import CACHE_HEADER
    from tests.factories import OpinionFactory

    settings.PAGE_CACHE_SECONDS = 30
    OpinionFactory(text="Więcej ławek nad Zalewem Zemborzyckim.")
    assert client.get(reverse("opinions:list"))[CACHE_HEADER] == "miss"  # Redis up
    own_redis.stop()

    pages = [client.get(reverse("opinions:list")) for _ in range(2)]

    assert [page.status_code for page in pages] == [200, 200]
    assert all("Zalewem Zemborzyckim" in page.content.decode() for page in pages)
