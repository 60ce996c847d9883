"""/api/v1/reports/{id} gives a published version's analyst's summary (when it was written,
whether for an earlier version), that an editor made it and when, but never who, and the
contrasting views as the report page shows them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from opinions.models import ThematicReport
from opinions.reports.building import publish_report
from opinions.reports.editing import ReportEdits, edit_report, latest_version
from tests.factories import editor
from tests.opinions.test_report_contrasts import WANT_LESS, WANT_MORE
from tests.opinions.test_report_pages import html_of
from tests.opinions.test_reports_build import add_opinion, build
from tests.site.test_api import PERSONAL_FIELDS, walk

pytestmark = pytest.mark.django_db

API = "/api/v1/reports"
SUMMARY = "Mieszkańcy są podzieleni: jedni chcą parkingów, inni zieleni zamiast nich."
EDITOR_NAME = "Redaktorka-Ujawniona"


def detail(report: ThematicReport) -> dict[str, Any]:
    response = Client().get(f"{API}/{report.pk}")
    assert response.status_code == 200, response.content[:300]
    return dict(json.loads(response.content))


@pytest.fixture
def edited(lublin_process: None) -> ThematicReport:
    """A built report with a contrast (parking: more / less), and its editor's version with
    an analyst's summary, published."""
    for text in WANT_MORE + WANT_LESS:
        add_opinion(text, in_area="urbanistyka-mobilnosc")
    for text in ["Więcej drzew w parkach.", "Nowe ławki nad Bystrzycą.", "Sadzić drzewa."]:
        add_opinion(text, in_area="miasto-zielone")
    built = build("urbanistyka-mobilnosc")
    person = editor()
    person.first_name = person.last_name = person.username = EDITOR_NAME
    person.email = "redaktorka.ujawniona@example.org"
    person.save()
    version = edit_report(
        report=built,
        editor=person,
        edits=ReportEdits(summary=SUMMARY),
        expected_latest=latest_version(built),
        now=timezone.now(),
    )
    return publish_report(report=version, editor=person)


def test_the_analyst_summary_says_when_but_not_who(edited: ThematicReport) -> None:
    data = detail(edited)
    assert data["analyst_summary"]["text"] == SUMMARY
    assert data["analyst_summary"]["written_at"] is not None
    assert data["analyst_summary"]["written_for_version"] is None
    assert data["edited"]["from_version"] == 1
    assert data["edited"]["edited_at"] is not None
    text = json.dumps(data, ensure_ascii=False).lower()
    assert EDITOR_NAME.lower() not in text and "ujawniona" not in text
    names: set[str] = set()
    walk(data, names)
    assert not names & (PERSONAL_FIELDS | {"edited_by", "published_by", "requested_by"})


def test_the_contrasts_are_those_of_the_report_page(edited: ThematicReport) -> None:
    data = detail(edited)
    [contrast] = data["contrasts"]
    assert contrast["term"] == "parking"
    assert [(side["side"], side["count"]) for side in contrast["sides"]] == [
        ("more", 4),
        ("less", 3),
    ]
    quotes = [quote for side in contrast["sides"] for quote in side["quotes"]]
    assert quotes and {quote["text"] for quote in quotes} <= set(WANT_MORE + WANT_LESS)
    # The page shows the same quotes, in the same order (more first).
    page = html_of(Client().get(edited.get_absolute_url()))
    positions = [page.index(f'href="/opinions/{quote["opinion"]}/"') for quote in quotes]
    assert positions == sorted(positions)


def test_a_version_without_them_says_so(lublin_process: None) -> None:
    add_opinion("Więcej drzew w parkach.")
    report = publish_report(report=build(), editor=editor())
    data = detail(report)
    assert (data["analyst_summary"], data["edited"], data["contrasts"]) == (None, None, [])


def test_an_unpublished_version_is_not_in_the_api(lublin_process: None) -> None:
    add_opinion("Więcej drzew w parkach.")
    report = build()
    assert Client().get(f"{API}/{report.pk}").status_code == 404


def test_the_schema_describes_the_new_fields(client: Client) -> None:
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    fields = schema["components"]["schemas"]["ReportDetailOut"]["properties"]
    assert {"analyst_summary", "edited", "contrasts"} <= set(fields)
    assert "ContrastSideOut" in schema["components"]["schemas"]


def test_a_two_word_subject_is_written_as_people_write_it(lublin_process: None) -> None:
    """The page's and the API's contrast is named as the key terms name it („miejsc
    parkingowych”, the form most of these opinions use), not by its lemmas."""
    texts = [
        "Brakuje miejsc parkingowych przy blokach.",
        "Więcej miejsc parkingowych przy szkole!",
        "Nowe miejsca parkingowe przy dworcu.",
        "Mniej miejsc parkingowych w centrum.",
        "Likwidacja miejsc parkingowych na Krakowskim.",
        "Drzewa zamiast miejsc parkingowych na placu.",
        "Za mało miejsc parkingowych na Czubach.",
    ]
    for text in texts:
        add_opinion(text, in_area="urbanistyka-mobilnosc")
    for text in ["Więcej drzew w parkach.", "Nowe ławki nad Bystrzycą.", "Sadzić drzewa."]:
        add_opinion(text, in_area="miasto-zielone")
    report = publish_report(report=build("urbanistyka-mobilnosc"), editor=editor())
    subjects = {contrast["term"] for contrast in report.content["contrasts"]}
    assert "miejsce parkingowy" in subjects, subjects
    form = {row["term"]: row["form"] for row in report.content["terms"]}["miejsce parkingowy"]
    assert form == "miejsc parkingowych"
    [contrast] = [c for c in detail(report)["contrasts"] if c["term"] == "miejsce parkingowy"]
    assert contrast["form"] == form
    page = html_of(Client().get(report.get_absolute_url()))
    contrasts = page.split('id="contrasts-title"')[1]
    assert f'„<span lang="pl">{form}</span>”</h3>' in contrasts
    assert "miejsce parkingowy" not in contrasts
