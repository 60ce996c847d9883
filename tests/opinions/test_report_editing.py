"""Editors rename a report version's sub-themes and add an analyst's summary: each save is a
new version (the edited one untouched), recording who changed what; public versions are
refused, and a version made meanwhile is a conflict that keeps what the editor typed."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from opinions.models import ReportMembership, ThematicReport
from opinions.reports import building as reports
from opinions.reports import tasks
from opinions.reports.editing import ReportEdits, StaleReport, edit_report, latest_version
from tests.factories import editor, moderator
from tests.opinions.test_report_pages import html_of, make_report, polish
from tests.roles import ROLES, client_for, expect_refused

pytestmark = pytest.mark.django_db

BUILDERS = {"editor", "superuser"}
RENAMED = {0: "Drzewa i cień w parkach", 1: "Zieleń zamiast betonu"}
SUMMARY = "Mieszkańcy chcą więcej drzew.\n\nNajczęściej piszą o parkach nad Bystrzycą."


def memberships(report: ThematicReport) -> list[tuple[int, int | None]]:
    return list(
        ReportMembership.objects.filter(report=report)
        .order_by("opinion_id")
        .values_list("opinion_id", "subtheme")
    )


@pytest.fixture
def draft(lublin_process: None) -> ThematicReport:
    """A built, unpublished version with two sub-themes (labels as the builder writes)."""
    return make_report(published=False)


def edit(report: ThematicReport, **options: Any) -> ThematicReport:
    options.setdefault("editor", editor())
    options.setdefault("edits", ReportEdits(labels=RENAMED, summary=SUMMARY))
    options.setdefault("expected_latest", latest_version(report))
    return edit_report(report=report, **options)


# --- The service ----------------------------------------------------------------------------


def test_an_edit_is_a_new_version_and_the_edited_one_stays_as_it_was(
    draft: ThematicReport, django_capture_on_commit_callbacks: Any
) -> None:
    before = copy.deepcopy(draft.content)
    members_before = memberships(draft)
    person = editor()
    now = timezone.now()

    with django_capture_on_commit_callbacks() as callbacks:
        edited = edit(draft, editor=person, now=now)

    assert edited.pk != draft.pk
    assert (edited.version, edited.status, edited.is_published) == (2, "built", False)
    draft.refresh_from_db()
    assert draft.content == before, "the edited version is immutable"
    assert memberships(draft) == members_before
    # The new version: the same opinions and figures, with the edits applied.
    assert memberships(edited) == [(pk, sub) for pk, sub in members_before]
    assert edited.opinion_count == draft.opinion_count
    assert (edited.cutoff_at, edited.built_at) == (draft.cutoff_at, draft.built_at)
    assert edited.content["figures"] == before["figures"]
    labels = [item["label"] for item in edited.content["subthemes"]]
    assert labels == [RENAMED[0], RENAMED[1]]
    assert [item["built_label"] for item in edited.content["subthemes"]] == [
        item["label"] for item in before["subthemes"]
    ]
    assert edited.content["analyst_summary"] == {"text": SUMMARY, "written_at": now.isoformat()}
    # Its files are made again, by the builder's own task, once the version is saved.
    assert len(callbacks) == 1
    assert not (edited.pdf or edited.xlsx)


def test_who_edited_when_and_what_changed_is_recorded(draft: ThematicReport) -> None:
    person = editor()
    old_labels = [item["label"] for item in draft.content["subthemes"]]
    now = timezone.now()
    edited = edit(
        draft,
        editor=person,
        now=now,
        edits=ReportEdits(labels={0: "Drzewa", 1: old_labels[1]}, labels_en={1: "Green squares"}),
    )
    assert (edited.edited_from, edited.edited_by, edited.edited_at) == (draft, person, now)
    assert edited.edit_changes == {
        "from_version": 1,
        "labels": [
            {"index": 0, "language": "pl", "old": old_labels[0], "new": "Drzewa"},
            {"index": 1, "language": "en", "old": "", "new": "Green squares"},
        ],
        "summary": None,
    }
    # A second edit, of the editor's version, records what it changed against that one.
    again = edit(
        edited,
        edits=ReportEdits(labels={0: "Drzewa"}, labels_en={1: ""}, summary="Krótko."),
    )
    assert again.version == 3 and again.edited_from == edited
    assert again.edit_changes["labels"] == [
        {"index": 1, "language": "en", "old": "Green squares", "new": ""}
    ]
    assert again.edit_changes["summary"] == {"old": "", "new": "Krótko."}
    assert "label_en" not in again.content["subthemes"][1]


def test_a_published_version_is_refused(lublin_process: None) -> None:
    public = make_report(published=True)
    with pytest.raises(ValidationError) as refused:
        edit(public)
    assert refused.value.code == "published"
    assert ThematicReport.objects.count() == 1


@pytest.mark.parametrize("status", ["queued", "building", "failed"])
def test_an_unbuilt_version_is_refused(status: str, lublin_process: None) -> None:
    report = make_report(status=status, published=False)
    with pytest.raises(ValidationError) as refused:
        edit(report)
    assert refused.value.code == "state"


def test_an_edit_that_changes_nothing_makes_no_version(draft: ThematicReport) -> None:
    same = ReportEdits.of(draft)
    with pytest.raises(ValidationError) as refused:
        edit(draft, edits=same)
    assert refused.value.code == "same"
    assert ThematicReport.objects.count() == 1


def test_a_sub_theme_cannot_lose_its_polish_name(draft: ThematicReport) -> None:
    with pytest.raises(ValidationError) as refused:
        edit(draft, edits=ReportEdits(labels={0: "   ", 1: "Zieleń"}))
    assert refused.value.code == "required"


def test_a_version_made_meanwhile_is_a_conflict(draft: ThematicReport) -> None:
    seen = latest_version(draft)
    first = edit(draft, expected_latest=seen)
    with pytest.raises(StaleReport) as stale:
        edit(draft, expected_latest=seen, edits=ReportEdits(labels={0: "Inna", 1: "Nazwa"}))
    assert stale.value.latest == first
    # A rebuild started meanwhile is a newer version too.
    (rebuilt,) = reports.create_report_versions(areas=[draft.area])
    with pytest.raises(StaleReport) as stale:
        edit(draft, expected_latest=first.version)
    assert stale.value.latest == rebuilt
    assert ThematicReport.objects.count() == 3


def test_only_editors_may_edit(draft: ThematicReport) -> None:
    with pytest.raises(PermissionDenied):
        edit(draft, editor=moderator())


def test_the_editors_version_compares_with_the_version_before_its_source(
    lublin_process: None,
) -> None:
    first = make_report(published=False)
    second = make_report(
        published=False,
        version=2,
        changes={
            "previous_version": 1,
            "previous_report": first.pk,
            "previous_opinion_count": 6,
            "new_opinions": 0,
            "removed_opinions": 0,
            "rising": [],
            "falling": [],
        },
    )
    edited = edit(second)
    assert reports.previous_version(second) == first
    assert reports.previous_version(edited) == first
    # A build after the edit compares with the edited version (the latest built one).
    (third,) = reports.create_report_versions(areas=[first.area])
    assert reports.previous_version(third) == edited


def test_the_render_task_makes_the_files_of_the_editors_version(draft: ThematicReport) -> None:
    edited = edit(draft)
    tasks.render_report_files(edited.pk)
    edited.refresh_from_db()
    assert edited.pdf and edited.xlsx
    from openpyxl import load_workbook

    with edited.xlsx.open("rb") as handle:
        sheet = load_workbook(handle).worksheets[0]
    subthemes = {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {f"1. {RENAMED[0]}", f"2. {RENAMED[1]}"} <= subthemes
    from django.template.loader import render_to_string

    from opinions.reports.files import print_context

    html = render_to_string("opinions/reports/print.html", print_context(edited))
    assert escape(RENAMED[0]) in html and "parkach nad Bystrzycą" in html


# --- The pages ------------------------------------------------------------------------------


def edit_url(report: ThematicReport) -> str:
    return reverse("opinions:report_edit", args=[report.pk])


def posted(report: ThematicReport, **changes: str) -> dict[str, str]:
    data = {"expected_latest": str(latest_version(report)), "summary": SUMMARY}
    for item in report.content["subthemes"]:
        data[f"label_{item['index']}"] = RENAMED[item["index"]]
        data[f"label_en_{item['index']}"] = ""
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_the_edit_page_is_for_editors(role: str, draft: ThematicReport) -> None:
    client, _user = client_for(role)
    get = client.get(edit_url(draft))
    post = client.post(edit_url(draft), posted(draft))
    if role in BUILDERS:
        html = html_of(get)
        for item in draft.content["subthemes"]:
            assert f'<label for="id_label_{item["index"]}"' in html
            assert f'<label for="id_label_en_{item["index"]}"' in html
        assert '<label for="id_summary"' in html
        assert post.status_code == 302
        assert ThematicReport.objects.count() == 2
    else:
        expect_refused(get, role)
        expect_refused(post, role)
        assert ThematicReport.objects.count() == 1


def test_editor_saves_and_reads_the_new_version(
    draft: ThematicReport, django_capture_on_commit_callbacks: Any
) -> None:
    client, person = client_for("editor")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(edit_url(draft), posted(draft, label_en_1="Green squares"))
    edited = ThematicReport.objects.get(version=2)
    assert response.url == edited.get_absolute_url()
    staff_html = html_of(client.get(reverse("opinions:report_staff")))
    # The list of versions says who made the editor's version, from which, and what changed.
    assert str(person) in staff_html
    assert polish("Edited from version %(version)s") % {"version": 1} in staff_html
    assert f'→ „<span lang="pl">{escape(RENAMED[0])}</span>”' in staff_html
    assert polish("Analyst's summary added") in staff_html
    # Residents see the new names and the summary, marked as the analyst's, once published.
    reports.publish_report(report=edited, editor=person)
    public = html_of(Client().get(edited.get_absolute_url()))
    assert polish("Analyst's summary") in public
    assert "<p>Mieszkańcy chcą więcej drzew.</p>" in public
    with translation.override("pl"):
        day = f"{timezone.localtime(edited.edited_at):%Y-%m-%d}"
    assert f'<time datetime="{day}' in public
    assert f'<span lang="pl">{escape(RENAMED[0])}</span></h3>' in public
    assert str(person) not in public, "the editor's name stays on the staff pages"
    english, _user = client_for("anonymous", english=True)
    english_html = html_of(english.get(edited.get_absolute_url()))
    assert '<span lang="en">Green squares</span></h3>' in english_html
    assert "Analyst&#x27;s summary" in english_html or "Analyst's summary" in english_html


def test_a_published_version_says_why_it_cannot_be_edited(lublin_process: None) -> None:
    public = make_report(published=True)
    client, _user = client_for("editor")
    for response in (client.get(edit_url(public)), client.post(edit_url(public), posted(public))):
        assert response.status_code == 409
        html = response.content.decode()
        assert "message--error" in html and 'role="alert"' in html
        assert (
            polish(
                "Version %(version)s is public, so it cannot be edited: residents must see it "
                "as it was published. Unpublish it first, or edit an unpublished version."
            )
            % {"version": 1}
            in html
        )
        assert '<form method="post" action="/staff/reports/' not in html
    assert ThematicReport.objects.count() == 1


def test_a_missing_name_is_explained_in_polish_and_linked_to_its_field(
    draft: ThematicReport,
) -> None:
    client, _user = client_for("editor")
    response = client.post(edit_url(draft), posted(draft, label_1="  "))
    assert response.status_code == 400
    html = response.content.decode()
    message = polish("Give the sub-theme a name.")
    assert '<a href="#id_label_1">' in html and message in html
    assert 'aria-invalid="true" aria-describedby="id_label_1_helptext id_label_1_error"' in html
    # What was typed is kept.
    assert escape(RENAMED[0]) in html and "Bystrzycą" in html
    assert ThematicReport.objects.count() == 1


def test_a_conflict_keeps_what_the_second_editor_typed(draft: ThematicReport) -> None:
    first, _first_user = client_for("editor")
    second, _second_user = client_for("editor")
    form = html_of(second.get(edit_url(draft)))
    assert 'name="expected_latest" value="1"' in form
    assert first.post(edit_url(draft), posted(draft)).status_code == 302

    mine = posted(draft, label_0="Moja nazwa", summary="Moje podsumowanie.")
    mine["expected_latest"] = "1"
    response = second.post(edit_url(draft), mine)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="conflict"' in html and 'href="/reports/' in html
    assert 'value="Moja nazwa"' in html and "Moje podsumowanie." in html
    # Saving again, knowingly, makes a version after the other editor's.
    assert 'name="expected_latest" value="2"' in html
    mine["expected_latest"] = "2"
    assert second.post(edit_url(draft), mine).status_code == 302
    newest = ThematicReport.objects.get(version=3)
    assert newest.content["subthemes"][0]["label"] == "Moja nazwa"
    assert ThematicReport.objects.get(version=2).content["subthemes"][0]["label"] == RENAMED[0]


def test_staff_page_offers_editing_only_for_unpublished_built_versions(
    lublin_process: None,
) -> None:
    draft = make_report(published=False)
    public = make_report(area_slug="sport", published=True)
    client, _user = client_for("editor")
    html = html_of(client.get(reverse("opinions:report_staff")))
    assert f'href="{edit_url(draft)}"' in html
    assert f'href="{edit_url(public)}"' not in html
    moderator_client, _moderator = client_for("moderator")
    assert 'href="/staff/reports/' + str(draft.pk) + '/edit/"' not in html_of(
        moderator_client.get(reverse("opinions:report_staff"))
    )
