from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stages.models import Stage, StageUpdate
from tests.factories import StageUpdateFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def english(client: Client) -> Client:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_home_shows_question_timeline_and_current_stage(
    client: Client, lublin_process: None
) -> None:
    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="pl">' in html
    assert "Jaki ma być Lublin w 2030 roku?" in html
    assert html.count('class="timeline__item') == 9
    assert html.count('aria-current="step"') == 1
    assert "Etapy procesu" in html


def test_home_is_polish_even_for_an_english_browser(client: Client, lublin_process: None) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="pl">' in response.content.decode()


def test_the_language_switch_shows_the_same_page_in_english(
    client: Client, lublin_process: None
) -> None:
    html = english(client).get("/").content.decode()

    assert '<html lang="en">' in html
    assert "What should Lublin be like in 2030?" in html
    assert "Stages of the process" in html


def test_home_query_count_does_not_grow_with_updates(
    client: Client, lublin_process: None, django_assert_num_queries: object
) -> None:
    stages = list(Stage.objects.all())
    for i in range(8):
        StageUpdateFactory(stage=stages[i % 9], author__username=f"author{i}")
    # 1 stages (timeline and current stage), 1 process, 1 updates with their stage joined:
    # three queries whatever the number of stages or updates.
    with django_assert_num_queries(3):  # type: ignore[operator]
        response = client.get("/")
    assert response.content.decode().count('class="update-list"') == 1


def test_stage_page_shows_description_results_and_only_visible_updates(
    client: Client, lublin_process: None
) -> None:
    stage = Stage.objects.get(number=2)
    shown = StageUpdateFactory(stage=stage, title="Widoczna aktualność")
    StageUpdateFactory(stage=stage, title="Szkic niewidoczny", status="draft", publish_at=None)
    StageUpdateFactory(
        stage=stage,
        title="Jeszcze nie teraz",
        status="scheduled",
        publish_at=timezone.now() + dt.timedelta(days=1),
    )

    html = client.get(stage.get_absolute_url()).content.decode()

    assert "Rozmawiamy o przyszłości Lublina" in html
    assert "Oczekiwane rezultaty" in html
    assert stage.results_list[0].split()[0] in html
    assert shown.title in html
    assert "Szkic niewidoczny" not in html
    assert "Jeszcze nie teraz" not in html


def test_stage_page_query_count_is_fixed(
    client: Client, lublin_process: None, django_assert_num_queries: object
) -> None:
    stage = Stage.objects.get(number=3)
    for _ in range(5):
        StageUpdateFactory(stage=stage)
    # 1 stage by slug, 1 all stages (previous/next), 1 visible updates of the stage,
    # 1 its consultations (the consultations panel), 1 published thematic reports of the
    # stage (the reports panel).
    with django_assert_num_queries(5):  # type: ignore[operator]
        client.get(stage.get_absolute_url())


def test_unknown_stage_is_a_styled_404(client: Client, lublin_process: None) -> None:
    response = client.get("/stages/nie-ma-takiego-etapu/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Nie znaleziono strony" in html
    assert 'class="site-header"' in html


def test_update_page_renders_markdown_safely(client: Client, lublin_process: None) -> None:
    update = StageUpdateFactory(
        stage=Stage.objects.get(number=1), body="**Ważne** <script>alert(1)</script>"
    )

    html = client.get(update.get_absolute_url()).content.decode()

    assert "<strong>Ważne</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_draft_update_page_is_404_for_the_public(client: Client, lublin_process: None) -> None:
    update = StageUpdateFactory(stage=Stage.objects.get(number=1), status="draft", publish_at=None)
    assert client.get(update.get_absolute_url()).status_code == 404


def test_atom_feed_lists_visible_updates_newest_first(client: Client, lublin_process: None) -> None:
    stage = Stage.objects.get(number=2)
    now = timezone.now()
    StageUpdateFactory(stage=stage, title="Starsza", publish_at=now - dt.timedelta(days=2))
    StageUpdateFactory(stage=stage, title="Nowsza", publish_at=now - dt.timedelta(days=1))
    StageUpdateFactory(stage=stage, title="Szkic", status=StageUpdate.Status.DRAFT, publish_at=None)

    response = client.get("/feeds/updates/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert titles == ["Nowsza", "Starsza"]


def test_accessibility_statement_exists(client: Client) -> None:
    response = client.get("/accessibility/")
    assert response.status_code == 200
    assert "Deklaracja dostępności" in response.content.decode()
