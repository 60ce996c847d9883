"""Fixtures the opinion tests share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from pytest_django.fixtures import Settings

from opinions.analysis import classifier
from opinions.models import Event
from stages.models import Consultation
from tests.factories import ConsultationFactory, EventFactory, moderator

LUBLIN_CONSULTATION = "jaki-ma-byc-lublin-w-2030"


@pytest.fixture
def consultation() -> Consultation:
    """An open question of its own (open from a year ago for a year ahead), no process."""
    return ConsultationFactory()


@pytest.fixture
def lublin_consultation(lublin_process: None) -> Consultation:
    """The Lublin process's open question, „Jaki ma być Lublin w 2030 roku?”."""
    return Consultation.objects.get(slug=LUBLIN_CONSULTATION)


@pytest.fixture
def event(lublin_process: None) -> Event:
    """A café held in November 2019 (during the Lublin consultation)."""
    return EventFactory(kind=Event.Kind.CAFE, held_on=dt.date(2019, 11, 20))


@pytest.fixture
def moderator_client(lublin_process: None) -> Client:
    """A moderator's client in English that shows a server error as a 500 response."""
    client = Client(raise_request_exception=False)
    client.force_login(moderator())
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def media_root(settings: Settings, tmp_path: Path) -> Path:
    """Uploaded and generated files (imports, reports, classifier models) under tmp_path.

    The classifier also forgets the models it loaded: they came from another test's folder.
    """
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    classifier._loaded.clear()
    return root
