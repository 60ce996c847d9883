"""A rebuild carries the editors' work of the version before it: each renamed sub-theme's name
goes to the new sub-theme holding mostly the same opinions (Jaccard over the opinions both
versions share, one to one), a sub-theme that is gone is named as not carried, and the
analyst's summary goes along marked as written for the earlier version until reviewed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from opinions.models import ThematicReport
from opinions.reports import building as reports
from opinions.reports.editing import (
    CARRY_MIN_JACCARD,
    ReportEdits,
    edit_report,
    latest_version,
    match_subthemes,
)
from opinions.reports.subthemes import Found, Result
from tests.factories import editor
from tests.opinions.test_report_pages import polish
from tests.opinions.test_reports_build import add_opinion, build
from tests.roles import client_for

pytestmark = pytest.mark.django_db

SUMMARY = "Mieszkańcy chcą drzew przy ulicach i ławek w parkach."


def keyword_subthemes(keywords: Sequence[str]) -> Callable[..., Result]:
    """A stand-in for the clustering: sub-theme i holds the opinions that mention
    keywords[i] (so a test decides which sub-theme comes first, and which is gone)."""

    def find(texts: list[tuple[int, str]], *, forms_of: Sequence[str] = ()) -> Result:
        found, main = [], {}
        for index, keyword in enumerate(keywords):
            members = [pk for pk, text in texts if keyword in text.lower() and pk not in main]
            main.update(dict.fromkeys(members, index))
            found.append(
                Found(
                    index=index,
                    label=f"wyliczone {keyword}",
                    top_terms=[keyword],
                    summary=f"Zdanie o {keyword}.",
                    summary_opinion=members[0],
                    supporters=members,
                    quotes=[(f"Zdanie o {keyword}.", members[0])],
                    sentences=len(members),
                )
            )
        left_out = [pk for pk, _text in texts if pk not in main]
        return Result(
            found, "", len(found), (2, 8), 0.9, {}, len(texts), len(texts), left_out, main
        )

    return find


def build_with(monkeypatch: pytest.MonkeyPatch, keywords: Sequence[str]) -> ThematicReport:
    monkeypatch.setattr(reports.report_subthemes, "find_subthemes", keyword_subthemes(keywords))
    return build()


def labels(report: ThematicReport) -> list[str]:
    return [item["label"] for item in report.content["subthemes"]]


@pytest.fixture
def renamed(lublin_process: None, monkeypatch: pytest.MonkeyPatch) -> ThematicReport:
    """Version 1 built (trees, bikes, benches), version 2 its editor's: trees and benches
    renamed, an English name for trees, and an analyst's summary."""
    for index in range(6):
        add_opinion(f"Posadzić drzewa przy ulicy numer {index}.")
    for index in range(4):
        add_opinion(f"Droga dla rowerów do szkoły numer {index}.")
    for index in range(3):
        add_opinion(f"Nowe ławki w parku numer {index}.")
    first = build_with(monkeypatch, ["drzew", "rower", "ławk"])
    assert labels(first) == ["wyliczone drzew", "wyliczone rower", "wyliczone ławk"]
    return edit_report(
        report=first,
        editor=editor(),
        edits=ReportEdits(
            labels={0: "Drzewa przy ulicach", 2: "Ławki"},
            labels_en={0: "Street trees"},
            summary=SUMMARY,
        ),
        expected_latest=latest_version(first),
    )


def test_a_rebuild_carries_names_to_the_matching_sub_themes(
    renamed: ThematicReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(3):
        add_opinion(f"Więcej drzew w parku numer {index}.")
    # The new build finds bikes first and trees second; the benches are no longer a sub-theme.
    rebuilt = build_with(monkeypatch, ["rower", "drzew"])

    assert rebuilt.version == 3 and not rebuilt.is_editorial
    bikes, trees = rebuilt.content["subthemes"]
    # Trees: 6 shared opinions on both sides (the 3 new ones are not compared) → Jaccard 1.
    assert (trees["label"], trees["label_en"], trees["built_label"]) == (
        "Drzewa przy ulicach",
        "Street trees",
        "wyliczone drzew",
    )
    assert trees["carried_from"] == {"version": 2, "index": 0, "jaccard": 1.0}
    # Bikes were never renamed: the builder's name stays, and nothing is said about them.
    assert bikes["label"] == "wyliczone rower" and "built_label" not in bikes
    assert rebuilt.content["analyst_summary"]["text"] == SUMMARY
    assert rebuilt.content["analyst_summary"]["written_for_version"] == 2
    assert rebuilt.edit_changes == {
        "carried": {
            "from_version": 2,
            "from_report": renamed.pk,
            "min_jaccard": CARRY_MIN_JACCARD,
            "labels": [
                {
                    "index": 1,
                    "from_index": 0,
                    "label": "Drzewa przy ulicach",
                    "label_en": "Street trees",
                    "built_label": "wyliczone drzew",
                    "jaccard": 1.0,
                }
            ],
            "not_carried": [
                {"from_index": 2, "label": "Ławki", "label_en": "", "best_jaccard": 0.0}
            ],
            "summary": True,
        }
    }


def test_the_names_keep_going_through_several_rebuilds(
    renamed: ThematicReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_with(monkeypatch, ["drzew", "rower", "ławk"])
    third = build_with(monkeypatch, ["ławk", "drzew"])
    assert labels(third) == ["Ławki", "Drzewa przy ulicach"]
    assert third.edit_changes["carried"]["from_version"] == 3
    # Still the version the analyst wrote it for.
    assert third.content["analyst_summary"]["written_for_version"] == 2


def test_a_build_after_one_without_editors_work_records_nothing(
    lublin_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(4):
        add_opinion(f"Posadzić drzewa przy ulicy numer {index}.")
    build_with(monkeypatch, ["drzew"])
    again = build_with(monkeypatch, ["drzew"])
    assert again.edit_changes == {}
    assert "analyst_summary" not in again.content
    assert "built_label" not in again.content["subthemes"][0]


def test_saving_the_carried_summary_marks_it_reviewed(
    renamed: ThematicReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilt = build_with(monkeypatch, ["rower", "drzew"])
    reviewed = edit_report(
        report=rebuilt,
        editor=editor(),
        edits=ReportEdits.of(rebuilt),
        expected_latest=latest_version(rebuilt),
    )
    assert reviewed.content["analyst_summary"]["text"] == SUMMARY
    assert "written_for_version" not in reviewed.content["analyst_summary"]
    assert reviewed.edit_changes["summary"] == {"old": SUMMARY, "new": SUMMARY}


def test_the_staff_pages_say_what_was_carried_and_what_was_not(
    renamed: ThematicReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilt = build_with(monkeypatch, ["rower", "drzew"])
    client, _editor = client_for("editor")
    staff = client.get(reverse("opinions:report_staff")).content.decode()
    with translation.override("pl"):
        assert gettext("Editors' work carried from version %(version)s") % {"version": 2} in staff
    assert "Drzewa przy ulicach" in staff and "Ławki" in staff
    assert polish("no sub-theme of this version holds mostly the same opinions.") in staff
    page = client.get(rebuilt.get_absolute_url()).content.decode()
    assert "Ławki" in page  # the staff panel's record
    edit_page = client.get(reverse("opinions:report_edit", args=[rebuilt.pk])).content.decode()
    assert 'id="summary-carried"' in edit_page


def test_the_public_page_says_the_summary_was_written_for_an_earlier_version(
    renamed: ThematicReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilt = build_with(monkeypatch, ["rower", "drzew"])
    reports.publish_report(report=rebuilt, editor=editor())
    page = Client().get(rebuilt.get_absolute_url()).content.decode()
    assert SUMMARY in page
    assert "Drzewa przy ulicach" in page
    assert "Ławki" not in page, "the staff's record stays with the staff"


# --- Matching -------------------------------------------------------------------------------


def test_matching_is_one_to_one_from_the_largest_overlap_down() -> None:
    old = {0: {1, 2, 3, 4}, 1: {5, 6, 7, 8}, 2: {9, 10}}
    new = {0: {5, 6, 7}, 1: {1, 2, 3, 4, 9}, 2: {11, 12}}
    matched, unmatched = match_subthemes(old, new, threshold=0.5)
    assert matched == {0: (1, 0.8), 1: (0, 0.75)}
    # Old 2 shares one opinion of six with new 1, and none with new 2.
    assert unmatched == {2: 0.167}
    # Two old sub-themes each holding half of a new one: only one gets it (the first).
    matched, unmatched = match_subthemes({0: {1, 2}, 1: {3, 4}}, {0: {1, 2, 3, 4}}, threshold=0.5)
    assert (matched, unmatched) == ({0: (0, 0.5)}, {1: 0.5})


def test_half_the_union_is_the_threshold() -> None:
    assert match_subthemes({0: {1, 2}}, {0: {1, 2, 3, 4}}, threshold=0.5)[0] == {0: (0, 0.5)}
    assert match_subthemes({0: {1, 2}}, {0: {1, 2, 3, 4, 5}}, threshold=0.5)[0] == {}


def test_no_editors_work_carries_nothing() -> None:
    from opinions.reports.editing import carry_edits

    assert carry_edits(previous=None, content={}, memberships=[]) is None
