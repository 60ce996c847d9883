"""The page of a report's term (the opinions containing it) names the term as the report
writes it („plac zabaw”), not by its lemmas („plac zabawa”): in the heading, the title and
the breadcrumbs, in Polish and in English."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from opinions.models import ThematicReport
from opinions.reports.building import publish_report
from opinions.reports.terms import written_form
from tests.factories import editor
from tests.opinions.test_report_pages import html_of
from tests.opinions.test_reports_build import add_opinion, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def playgrounds(lublin_process: None) -> ThematicReport:
    for index in range(6):
        add_opinion(f"Nowy plac zabaw na osiedlu numer {index}.")
        add_opinion(f"Plac zabaw przy szkole numer {index} jest zniszczony.")
    add_opinion("Autobus co pięć minut.", in_area="urbanistyka-mobilnosc")
    return publish_report(report=build(), editor=editor())


def term_page(report: ThematicReport, term: str, *, english: bool = False) -> str:
    client = Client()
    if english:
        client.cookies["django_language"] = "en"
    url = reverse("opinions:report_opinions", args=[report.pk])
    return html_of(client.get(url, {"term": term}))


def parts(html: str) -> tuple[str, str, str]:
    """(the <title>, the results' heading, the current breadcrumb) without their markup."""

    def text(pattern: str) -> str:
        found = re.search(pattern, html, re.S)
        assert found, pattern
        return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())

    return (
        text(r"<title>(.*?)</title>"),
        text(r'<h2 id="results-title">(.*?)</h2>'),
        text(r'<a [^>]*aria-current="page"[^>]*>(.*?)</a>'),
    )


def test_the_term_is_named_as_people_write_it(playgrounds: ThematicReport) -> None:
    assert written_form(playgrounds.content, "plac zabawa") == "plac zabaw"
    title, heading, crumb = parts(term_page(playgrounds, "plac zabawa"))
    assert "„plac zabaw”" in title and "zabawa" not in title
    assert heading == "12 opinii zawiera „plac zabaw”"
    assert crumb == "„plac zabaw”"


def test_the_english_page_names_it_so_too(playgrounds: ThematicReport) -> None:
    html = term_page(playgrounds, "plac zabawa", english=True)
    title, heading, crumb = parts(html)
    assert title.startswith("Opinions with „plac zabaw”")
    assert heading == "12 opinions contain „plac zabaw”"
    assert crumb == "„plac zabaw”"
    assert '„<span lang="pl">plac zabaw</span>”' in html


def test_a_term_the_report_never_showed_is_named_as_asked(playgrounds: ThematicReport) -> None:
    _title, heading, crumb = parts(term_page(playgrounds, "autobus"))
    assert heading.endswith("„autobus”") and crumb == "„autobus”"


def test_the_form_comes_from_the_changes_when_the_term_left_the_key_terms() -> None:
    content = {
        "terms": [{"term": "drzewo", "form": "drzewa"}],
        "changes": {"falling": [{"term": "plac zabawa", "form": "plac zabaw"}]},
    }
    assert written_form(content, "plac zabawa") == "plac zabaw"
    assert written_form(content, "drzewo") == "drzewa"
    assert written_form({}, "ławka") == "ławka"
