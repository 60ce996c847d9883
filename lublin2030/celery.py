"""The Celery application: settings come from Django's, under the CELERY_ namespace."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lublin2030.settings")


def _guard_kombu_redis_reconnect() -> None:
    """A worker must survive Redis restarting under load (kombu 5.7).

    When the broker connection drops while tasks are unacknowledged (acks_late), the worker
    closes the connection, and closing restores those messages through a client built from
    `channel.connection.client`, which is already None: AttributeError("'NoneType' object has
    no attribute 'hostname'"), and Celery exits with "Unrecoverable error" (the fault bench
    saw it on 7 of 7 Redis stops). Raised as the connection error it is, the close is
    ignored, the worker reconnects, and the messages, still in Redis's unacked set, are
    restored by the transport's periodic restore.
    """
    from kombu.transport import redis as kombu_redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    channel: Any = kombu_redis.Channel  # the stubs do not know its private methods
    original = channel._connparams
    if getattr(original, "guarded", False):
        return

    def _connparams(self: Any, asynchronous: bool = False) -> dict[str, object]:
        if getattr(self.connection, "client", None) is None:
            raise RedisConnectionError("the broker connection is already closed")
        params: dict[str, object] = original(self, asynchronous=asynchronous)
        return params

    _connparams.guarded = True  # type: ignore[attr-defined]
    channel._connparams = _connparams


_guard_kombu_redis_reconnect()

app = Celery("lublin2030")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The opinions app keeps each subsystem's tasks beside it.
app.autodiscover_tasks(
    [
        "opinions.analysis",
        "opinions.importing",
        "opinions.reports",
        "opinions.answers",
        "opinions.answers.report",
    ]
)


@worker_process_init.connect
def warm_up_text_analysis(**kwargs: object) -> None:
    # Loading the Polish dictionary takes seconds; pay it when a worker process starts,
    # not inside the first opinion's analysis.
    from opinions.analysis.text import warm_up

    warm_up()
