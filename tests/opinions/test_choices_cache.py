"""The parts that keep the public pages fast at a million opinions: the cached choice lists,
the <select> and the filters' field groups rendered without templates."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.boundfield import BoundField
from django.test import Client
from django.urls import reverse
from django.utils import translation

from opinions.forms.public import OpinionFilterForm, OpinionForm
from stages.models import District, ThematicArea
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

LIST = reverse("opinions:list")


def _lines(html: str) -> list[str]:
    return [line for line in str(html).splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["area", "district", "channel", "event", "consultation", "sort"])
def test_fast_select_gives_djangos_markup(lublin_process: None, name: str) -> None:
    EventFactory(title='Spotkanie <b>"na Felinie"</b>')
    data = {"district": "felin", "channel": "cafe", "event": "nope", "area": "sport"}
    form = OpinionFilterForm(data)
    form.is_valid()
    fast = str(form[name])
    form.fields[name].widget.__class__ = forms.Select  # Django's own template rendering
    # The same elements and attributes, escaped the same way (Django adds blank lines).
    assert _lines(fast) == _lines(str(form[name]))
    assert "<b>" not in fast


@pytest.mark.parametrize("language", ["pl", "en"])
def test_the_filters_field_groups_are_djangos_to_the_byte(
    lublin_process: None, language: str
) -> None:
    data = {"q": 'a <b> "c"', "district": "felin", "event": "nope", "sort": "supported"}
    shown = []
    with translation.override(language):
        for form in (OpinionFilterForm(data), OpinionFilterForm()):
            form.is_valid()
            for field in form:
                # Django's own field.html, label.html and error list, same widget.
                django = BoundField(form, field.field, field.name).as_field_group()
                assert field.as_field_group() == django
                shown.append(django)
    # What the comparison covered: a help text, an error, a typed value.
    assert 'class="helptext"' in "".join(shown)
    assert 'class="errorlist"' in "".join(shown)
    assert 'value="a &lt;b&gt; &quot;c&quot;"' in "".join(shown)


def test_the_field_labels_kept_once_follow_the_language(lublin_process: None) -> None:
    with translation.override("pl"):
        polish = OpinionFilterForm()["district"].as_field_group()
    with translation.override("en"):
        english = OpinionFilterForm()["district"].as_field_group()
    assert '<label for="id_district">Dzielnica:</label>' in polish
    assert '<label for="id_district">District:</label>' in english


def test_choices_come_from_the_cache_and_follow_changes(
    client: Client, lublin_process: None, django_assert_num_queries: Any
) -> None:
    OpinionFilterForm()  # fills the cache
    with django_assert_num_queries(0):
        form = OpinionFilterForm({"area": "sport", "district": "felin"})
        assert form.is_valid()
        str(form["event"])
    assert form.cleaned_data["area"] == ThematicArea.objects.get(slug="sport")

    # A saved change drops the cached list: a new meeting and a renamed area show at once.
    event = EventFactory(title="Nowe spotkanie w Dziesiątej")
    area = ThematicArea.objects.get(slug="sport")
    area.name = "Sport i rekreacja"
    area.save()
    html = client.get(LIST).content.decode()
    assert "Nowe spotkanie w Dziesiątej" in html
    assert "Sport i rekreacja" in html
    assert OpinionFilterForm({"event": str(event.pk)}).is_valid()


@pytest.mark.parametrize("value", ["999999", "abc", "1; DROP TABLE x", "\x00"])
def test_unknown_or_malformed_choices_are_refused(lublin_process: None, value: str) -> None:
    form = OpinionForm({"text": "Wystarczająco długi tekst opinii.", "district": value})
    assert not form.is_valid()
    assert "district" in form.errors


def test_a_choice_given_by_number_is_found(lublin_process: None) -> None:
    district = District.objects.get(slug="felin")
    form = OpinionForm({"text": "Wystarczająco długi tekst opinii.", "district": str(district.pk)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["district"] == district


def test_the_list_works_when_the_cache_is_down(
    client: Client, lublin_process: None, settings: Any
) -> None:
    # A real Redis client pointed at a port where nothing listens.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    response = client.get(LIST, {"district": "felin"})
    assert response.status_code == 200
    assert 'value="felin" selected' in response.content.decode()


def test_the_cached_lists_belong_to_their_database() -> None:
    # A test database and the real one may share a Redis; their rows must not mix.
    from django.db import connection

    from opinions import vocabulary

    assert str(connection.settings_dict["NAME"]) in vocabulary.key_of(District)


def test_a_consultation_changed_behind_the_signals_is_seen_within_a_minute(
    client: Client, lublin_process: None
) -> None:
    import datetime as dt
    import pickle
    import time

    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache
    from django.utils import timezone

    from opinions import vocabulary
    from stages.models import Consultation

    cache = caches["default"]  # the backend itself (`cache` is a proxy to it)
    consultation = Consultation.objects.get(kind=Consultation.Kind.OPEN_QUESTION)
    answer = reverse("opinions:answer", kwargs={"slug": consultation.slug})
    assert client.get(answer).status_code == 200  # the consultation, into the cache
    # An update in SQL: no signal, so the cached row stays as it was…
    closed = timezone.now() - dt.timedelta(minutes=1)
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=closed)
    assert 'name="text"' in client.get(answer).content.decode()

    # …for at most a minute: the cached list expires by then.
    key = cache.make_and_validate_key(vocabulary.key_of(Consultation))
    if isinstance(cache, RedisCache):
        seconds_left = cache._cache.get_client(key).ttl(key)  # type: ignore[attr-defined]
    else:
        # The file cache writes the expiry time first in the entry's file.
        with open(cache._key_to_file(vocabulary.key_of(Consultation)), "rb") as entry:  # type: ignore[attr-defined]
            seconds_left = pickle.load(entry) - time.time()  # noqa: S301 - our own cache file
    assert 0 < seconds_left <= vocabulary.MAX_AGE_OF[Consultation]

    cache.delete(vocabulary.key_of(Consultation))  # as the minute's end does…
    vocabulary.forget_held_here()  # …and the process's own copy's two seconds
    assert 'name="text"' not in client.get(answer).content.decode()
