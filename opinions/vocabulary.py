"""The process's short lists (areas, districts, consultations, meetings, search synonyms),
cached between requests.

Every public form offers some of them as choices: a few dozen rows that rarely change, read
on every view of the list and every answer sent. They are kept in Django's cache (Redis, or
files in the embedded setup) as lists of model instances in their default order, so a form
gets all of its lists in one cache round trip instead of one query each; and each process
holds what it read for LOCAL_MAX_AGE, so most requests need no round trip at all.

A save or delete of such a row drops its list, at once and again after the transaction
commits (a request that refilled it meanwhile read the rows from before the commit). Changes
that bypass the models' signals (`QuerySet.update`, raw SQL) are seen within MAX_AGE (a
minute for consultations, whose dates open and close the answer form). When the cache
cannot be reached, the lists are read from the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import connections, models, router, transaction
from django.db.models.signals import post_delete, post_save

from core.collation import polish_sort_key
from stages.models import Consultation, District, ThematicArea

from .models import Event, SearchSynonyms

logger = logging.getLogger(__name__)

MAX_AGE = 3600
# A consultation's dates decide whether the answer form takes an answer, and the form reads
# the consultation from here: should a change slip past the signals (an update in SQL, or a
# request refilling the list with rows read just before an editor's commit), it lasts a
# minute, not an hour. Refilling costs one small query a minute.
MAX_AGE_OF: dict[type[models.Model], int] = {Consultation: 60}
KEY_PREFIX = "opinions:vocabulary:v1:"
MODELS: tuple[type[models.Model], ...] = (
    ThematicArea,
    District,
    Consultation,
    Event,
    SearchSynonyms,
)
# Each process also keeps the lists it read for this many seconds, so that a request does
# not wait on a cache round trip for them (a fifth of the cost of submitting an opinion). A
# change made in this process drops them here at once; one made in another process is seen
# here within this time.
LOCAL_MAX_AGE = 2.0
# key -> (until when, on time.monotonic(); the rows)
_held_here: dict[str, tuple[float, list[Any]]] = {}


def key_of(model: type[models.Model]) -> str:
    # The database's name is part of the key: a test database and the real one (or two
    # sites) sharing a Redis must not hand each other their rows.
    database = connections[router.db_for_read(model)].settings_dict["NAME"]
    return f"{KEY_PREFIX}{database}:{model._meta.label_lower}"


def rows_of(wanted: Iterable[type[models.Model]]) -> dict[type[models.Model], list[Any]]:
    """All rows of each model, in the model's default order.

    The rows are shared with other requests of this process (LOCAL_MAX_AGE): read them,
    never change them.
    """
    wanted = list(dict.fromkeys(wanted))
    now = time.monotonic()
    result: dict[type[models.Model], list[Any]] = {}
    keys: dict[type[models.Model], str] = {}
    for model in wanted:
        key = key_of(model)
        held = _held_here.get(key)
        if held is not None and held[0] > now:
            result[model] = held[1]
        else:
            keys[model] = key
    if keys:
        for model, rows in _shared_rows(keys).items():
            _held_here[keys[model]] = (now + LOCAL_MAX_AGE, rows)
            result[model] = rows
    return result


def _shared_rows(keys: dict[type[models.Model], str]) -> dict[type[models.Model], list[Any]]:
    """The lists from the shared cache, or the database (then cached)."""
    try:
        found = cache.get_many(keys.values())
    except Exception:  # the cache is down: the database still answers
        logger.warning("vocabulary cache unreachable; reading the lists from the database")
        found = {}
    result: dict[type[models.Model], list[Any]] = {}
    missing: dict[int, dict[str, list[Any]]] = {}
    for model, key in keys.items():
        rows = found.get(key)
        if rows is None:
            rows = list(model._default_manager.all())
            if model is District:
                # The database sorts names by code point: "Śródmieście" after "Wrotków".
                rows.sort(key=lambda district: polish_sort_key(district.name))
            missing.setdefault(MAX_AGE_OF.get(model, MAX_AGE), {})[key] = rows
        result[model] = rows
    for max_age, lists in missing.items():
        try:
            cache.set_many(lists, timeout=max_age)
        except Exception:
            logger.warning("vocabulary cache unreachable; the lists were not cached")
    return result


def forget(model: type[models.Model]) -> None:
    key = key_of(model)

    def drop() -> None:
        _held_here.pop(key, None)
        try:
            cache.delete(key)
        except Exception:
            logger.warning("vocabulary cache unreachable; %s may stay stale", key)

    drop()
    transaction.on_commit(drop)


def _changed(sender: type[models.Model], **kwargs: Any) -> None:
    forget(sender)


def connect_signals() -> None:
    for model in MODELS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"vocabulary-save-{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"vocabulary-delete-{model}")


def forget_held_here() -> None:
    """Drop every list this process holds (tests start each from here)."""
    _held_here.clear()
