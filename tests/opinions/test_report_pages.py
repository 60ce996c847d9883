"""The thematic report pages: the staff page (build, progress, retry, publish), the public
list, one report (every section, its charts with their tables), the opinions behind a
number, who sees which version, and the stage page's list of published reports.

Reports here carry hand-written `content` in the shape opinions/reports.py writes (see
`report_content`), so the pages are tested on exactly what they render; the tests at the
end build real reports with the builder.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from opinions.models import AgeBand, Channel, Opinion, ReportMembership, ThematicReport
from opinions.reports import building as reports
from opinions.templatetags.portal_reports import PROGRESS_NOTES
from stages.models import Consultation, District, Stage, ThematicArea
from tests.factories import OpinionFactory, editor
from tests.roles import ROLES, client_for, expect_refused

pytestmark = pytest.mark.django_db

STAFF = {"moderator", "editor", "superuser"}
BUILDERS = {"editor", "superuser"}
AREA = "miasto-zielone"
CHANNEL_LABELS = {
    "online": "formularz internetowy",
    "mobile-point": "punkt mobilny",
    "cafe": "Kafejka Partycypacyjna",
    "district-meeting": "spotkanie w dzielnicy",
    "workshop": "warsztat przyszłości",
    "game": "gra",
    "survey": "ankieta lub wywiad",
}
GREEN_TEXTS = [
    "Więcej drzew i zieleni w parkach, żeby latem był cień.",
    "Nowy park nad Bystrzycą z placem zabaw dla dzieci.",
    "Zieleń zamiast betonu na placach, więcej drzew przy ulicach.",
    "Ścieżka rowerowa wzdłuż rzeki i nowe drzewa w parku.",
    "Ochrona starych drzew w parkach przed wycinką.",
    "Więcej ławek i cienia w parku Saskim.",
]


# --- Hand-written reports in the builder's shape --------------------------------------------


def report_content(
    report_opinions: list[Opinion],
    *,
    area: ThematicArea,
    consultation: Consultation | None = None,
    total: int | None = None,
    subthemes: bool = True,
    changes: dict[str, Any] | None = None,
    terms: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A report's content, computed from the opinions as the contract says."""
    count = len(report_opinions)
    dates = sorted(opinion.collected_on for opinion in report_opinions)
    channels = Counter(opinion.channel for opinion in report_opinions)
    districts = Counter(opinion.district_id for opinion in report_opinions)
    ages = Counter(opinion.age_band for opinion in report_opinions)
    months = Counter(opinion.collected_on.strftime("%Y-%m") for opinion in report_opinions)
    by_month = []
    if dates:
        year, month = dates[0].year, dates[0].month
        while (year, month) <= (dates[-1].year, dates[-1].month):
            key = f"{year}-{month:02d}"
            by_month.append({"key": key, "label": f"{month:02d}.{year}", "count": months[key]})
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if terms is None:
        terms = (
            [
                {"term": "drzewo", "lemmas": ["drzewo"], "count": 4, "score": 3.21},
                {"term": "park", "lemmas": ["park"], "count": 4, "score": 2.5},
                {
                    "term": "ścieżka rowerowy",
                    "lemmas": ["ścieżka", "rowerowy"],
                    "count": 1,
                    "score": 1.07,
                },
            ]
            if count
            else []
        )
    subtheme_list = []
    if subthemes and count >= 2:
        half = count // 2
        groups = [report_opinions[:half], report_opinions[half:]]
        labels = ["drzewo · park · cień", "zieleń · plac · rower"]
        for index, (label, members) in enumerate(zip(labels, groups, strict=True)):
            by_district = Counter(
                opinion.district.name for opinion in members if opinion.district is not None
            )
            subtheme_list.append(
                {
                    "index": index,
                    "label": label,
                    "top_terms": label.split(" · "),
                    "size": len(members),
                    "support": len(members) + 1,
                    "summary": {"opinion_id": members[-1].pk, "text": members[-1].text},
                    "districts": [
                        {"key": name.lower(), "label": name, "count": n}
                        for name, n in by_district.most_common(5)
                    ],
                    "quotes": [
                        {"opinion_id": opinion.pk, "text": opinion.text} for opinion in members[:3]
                    ],
                }
            )
    return {
        "schema": 1,
        "scope": {
            "area": area.slug,
            "area_name": area.name,
            "consultation": consultation.slug if consultation else None,
            "cutoff": timezone.now().isoformat(),
            "opinion_count": count,
            "event_count": 0,
            "channel_count": len(channels),
            "district_count": len([key for key in districts if key]),
            "first_date": dates[0].isoformat() if dates else None,
            "last_date": dates[-1].isoformat() if dates else None,
        },
        "method": {
            "terms": "log-odds-dirichlet",
            "term_prior": 0.01,
            "min_count": 3,
            "subthemes": "kmeans-tfidf",
            "k": len(subtheme_list) or None,
            "k_range": [3, 12],
            "k_criterion": "silhouette",
            "silhouette": 0.081 if subtheme_list else None,
            "seed": 2030,
            "lemmatizer": "simplemma",
            "stopwords": 312,
        },
        "figures": {
            "by_channel": [
                {"key": key, "label": label, "count": channels[key]}
                for key, label in CHANNEL_LABELS.items()
            ],
            "by_district": [
                {"key": d.slug, "label": d.name, "count": districts[d.pk]}
                for d in District.objects.order_by("name")
            ]
            + [{"key": "", "label": "bez dzielnicy", "count": districts[None]}],
            "by_age_band": [
                {"key": value, "label": str(label), "count": ages[value]}
                for value, label in AgeBand.choices
            ]
            + [{"key": "", "label": "brak danych", "count": ages[""]}],
            "by_month": by_month,
            "area_share": {
                "count": count,
                "total": total if total is not None else count * 4,
                "share": round(count / (total or count * 4), 4) if count else 0.0,
            },
        },
        "terms": terms,
        "subthemes": subtheme_list,
        "subthemes_note": "" if subtheme_list else ("too-few-opinions" if count < 10 else ""),
        "changes": changes,
    }


def make_report(
    *,
    area_slug: str = AREA,
    texts: list[str] = GREEN_TEXTS,
    published: bool = True,
    status: str = ThematicReport.Status.BUILT,
    version: int = 1,
    **content_options: Any,
) -> ThematicReport:
    """A built report over new published opinions of the area, memberships included."""
    area = ThematicArea.objects.get(slug=area_slug)
    consultation = Consultation.objects.get(slug="jaki-ma-byc-lublin-w-2030")
    districts = list(District.objects.order_by("name")[:3])
    opinions = [
        OpinionFactory(
            text=text,
            area=area,
            consultation=consultation,
            district=districts[i % 3] if i % 4 != 3 else None,
            channel=[Channel.ONLINE, Channel.MOBILE_POINT, Channel.CAFE][i % 3],
            age_band=[AgeBand.AGE_25_34, ""][i % 2],
            collected_on=dt.date(2020, 3 + i % 3, 10),
        )
        for i, text in enumerate(texts)
    ]
    now = timezone.now()
    built = status == ThematicReport.Status.BUILT
    report = ThematicReport.objects.create(
        area=area,
        version=version,
        status=status,
        progress=100 if built else 40,
        progress_note="" if built else reports.NOTE_TERMS,
        cutoff_at=now,
        started_at=now,
        built_at=now if built else None,
        opinion_count=len(opinions) if built else 0,
        content=report_content(opinions, area=area, **content_options) if built else {},
        published_at=now if published and built else None,
        error="Przerwano: brak pamięci" if status == ThematicReport.Status.FAILED else "",
    )
    if built:
        half = len(opinions) // 2 if report.content["subthemes"] else None
        ReportMembership.objects.bulk_create(
            ReportMembership(
                report=report,
                opinion=opinion,
                subtheme=None if half is None else (0 if i < half else 1),
            )
            for i, opinion in enumerate(opinions)
        )
    return report


@pytest.fixture
def report(lublin_process: None) -> ThematicReport:
    return make_report()


def polish(message: str) -> str:
    """A message of the pages as they show it in Polish (the default language)."""
    with translation.override("pl"):
        return escape(gettext(message))


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


# --- Who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_staff_page_is_for_moderators_and_editors(role: str, report: ThematicReport) -> None:
    client, _user = client_for(role)
    response = client.get(reverse("opinions:report_staff"))
    if role in STAFF:
        html = html_of(response)
        assert f'id="report-{report.pk}"' in html
        # Only editors see the buttons that build and publish.
        assert ('action="/staff/reports/build/"' in html) == (role in BUILDERS)
    else:
        expect_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_progress_partial_is_for_staff(role: str, lublin_process: None) -> None:
    running = make_report(status=ThematicReport.Status.BUILDING)
    client, _user = client_for(role)
    response = client.get(
        reverse("opinions:report_progress", args=[running.pk]), headers={"HX-Request": "true"}
    )
    if role in STAFF:
        assert response.status_code == 200
    else:
        expect_refused(response, role)


@pytest.mark.parametrize("role", sorted(set(ROLES) - BUILDERS))
def test_building_and_publishing_are_refused_to_others(role: str, lublin_process: None) -> None:
    built = make_report(published=False)
    public = make_report(area_slug="sport", published=True)
    failed = make_report(area_slug="kultura", status=ThematicReport.Status.FAILED)
    client, _user = client_for(role)
    posts = [
        reverse("opinions:report_build"),
        reverse("opinions:report_retry", args=[failed.pk]),
        reverse("opinions:report_publish", args=[built.pk]),
        reverse("opinions:report_unpublish", args=[public.pk]),
    ]
    for url in posts:
        expect_refused(client.post(url, {"area": AREA}), role)
    assert ThematicReport.objects.count() == 3
    built.refresh_from_db()
    public.refresh_from_db()
    failed.refresh_from_db()
    assert (built.is_published, public.is_published) == (False, True)
    assert failed.status == ThematicReport.Status.FAILED


def test_staff_gets_are_not_changes(lublin_process: None) -> None:
    built = make_report(published=False)
    client, _user = client_for("editor")
    for name in ("report_build", "report_publish", "report_unpublish", "report_retry"):
        args = [] if name == "report_build" else [built.pk]
        assert client.get(reverse(f"opinions:{name}", args=args)).status_code == 405


# --- Visibility -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_published_report_is_public(role: str, report: ThematicReport) -> None:
    client, _user = client_for(role)
    assert client.get(report.get_absolute_url()).status_code == 200
    opinions_url = reverse("opinions:report_opinions", args=[report.pk])
    assert client.get(opinions_url).status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "status",
    [
        ThematicReport.Status.BUILT,
        ThematicReport.Status.QUEUED,
        ThematicReport.Status.BUILDING,
        ThematicReport.Status.FAILED,
    ],
)
def test_unpublished_versions_only_for_staff(role: str, status: str, lublin_process: None) -> None:
    hidden = make_report(published=False, status=status)
    client, _user = client_for(role)
    urls = [
        hidden.get_absolute_url(),
        reverse("opinions:report_opinions", args=[hidden.pk]),
        reverse("opinions:report_pdf", args=[hidden.pk]),
        reverse("opinions:report_xlsx", args=[hidden.pk]),
    ]
    detail = client.get(urls[0])
    if role in STAFF:
        html = html_of(detail)
        assert polish("Only staff can see this version.") in html
    else:
        # No hint that the version exists: the same 404 as for a number never used.
        assert detail.status_code == 404
        for url in urls[1:]:
            assert client.get(url).status_code == 404


def test_staff_sees_a_failed_reports_reason(lublin_process: None) -> None:
    failed = make_report(published=False, status=ThematicReport.Status.FAILED)
    client, _user = client_for("moderator")
    html = html_of(client.get(failed.get_absolute_url()))
    assert "Przerwano: brak pamięci" in html
    assert "<svg" not in html
    # Files exist only for built versions.
    assert client.get(reverse("opinions:report_pdf", args=[failed.pk])).status_code == 404


def test_public_list_shows_latest_published_version_per_area(lublin_process: None) -> None:
    old = make_report(version=1)
    new = make_report(version=2)
    draft = make_report(version=3, published=False)
    sport = make_report(area_slug="sport")

    html = html_of(Client().get(reverse("opinions:report_list")))

    linked = set(map(int, re.findall(r'<a href="/reports/(\d+)/">', html)))
    assert linked == {new.pk, sport.pk}
    assert old.pk not in linked and draft.pk not in linked


def test_public_list_says_when_there_is_nothing(lublin_process: None) -> None:
    make_report(published=False)
    html = html_of(Client().get(reverse("opinions:report_list")))
    assert "<table" not in html
    assert 'class="empty"' in html


# --- One report: every section --------------------------------------------------------------


def test_report_page_renders_every_section(lublin_process: None) -> None:
    changes = {
        "previous_version": 1,
        "previous_opinion_count": 4,
        "new_opinions": 2,
        "rising": [{"term": "cień", "before": 0.0, "after": 0.3333}],
        "falling": [{"term": "parking", "before": 0.25, "after": 0.0}],
    }
    previous = make_report(version=1, texts=GREEN_TEXTS[:4])
    report = make_report(version=2, changes=changes)
    content = report.content

    html = html_of(Client().get(report.get_absolute_url()))

    assert '<html lang="pl">' in html
    assert '<h1><span lang="pl">Miasto zielone</span></h1>' in html
    # Scope and the Polish method note, with the method's parameters.
    assert polish("Scope and method") in html
    assert 'class="method" lang="pl"' in html
    assert "Raport obejmuje 6 opinii" in html
    assert "simplemma" in html and "Dirichleta" in html and "k-średnich" in html
    assert "współczynnika sylwetki (wybrano 2, sylwetka 0,081)" in html
    assert "od 3 do 12" in html and "(2030)" in html
    # Every figure: a chart named by its title, and its numbers in a table.
    assert html.count('role="img"') == 5
    for key in ("by-channel", "by-district", "by-age-band", "by-month", "area-share"):
        assert f'aria-labelledby="chart-{key}-title"' in html
    # Key terms with their counts linking to the opinions behind them.
    terms_url = reverse("opinions:report_opinions", args=[report.pk])
    for term in content["terms"]:
        from urllib.parse import quote

        link = f'href="{terms_url}?term={quote(term["term"])}">'
        assert f'{link}<span aria-hidden="true">{term["count"]}<' in html
    # Sub-themes: label, size linking to its opinions, districts, verbatim quotes linked.
    for subtheme in content["subthemes"]:
        assert escape(subtheme["label"]) in html
        assert re.search(
            rf'href="{re.escape(terms_url)}\?subtheme={subtheme["index"]}">[^<]*\b{subtheme["size"]}\b',
            html,
        )
        assert escape(subtheme["summary"]["text"]) in html
        for quote_ in subtheme["quotes"]:
            assert escape(quote_["text"]) in html
            assert f'href="/opinions/{quote_["opinion_id"]}/"' in html
        for district in subtheme["districts"]:
            assert f"{district['label']} ({district['count']})" in html
    # Changes since version 1, shares as percentages, and a link to it.
    assert "cień" in html and "33,3" in html and "25,0" in html
    assert f'href="{previous.get_absolute_url()}"' in html
    # The files.
    assert f'href="/reports/{report.pk}/report.pdf"' in html
    assert f'href="/reports/{report.pk}/appendix.xlsx"' in html


def figure_tables(html: str) -> dict[str, list[tuple[str, int]]]:
    """The rows of each figure's table, by figure."""
    tables = {}
    for key, body in re.findall(
        r'id="figure-([a-z_]+)".*?<tbody>(.*?)</tbody>', html, flags=re.DOTALL
    ):
        rows = re.findall(r'<th scope="row"(?: lang="pl")?>(.*?)</th><td>(\d+)</td>', body)
        tables[key] = [(label, int(count)) for label, count in rows]
    return tables


def chart_bars(html: str, key: str) -> list[tuple[str, int]]:
    """The labels and values drawn in a figure's chart."""
    match = re.search(rf'id="figure-{key}".*?(<svg.*?</svg>)', html, flags=re.DOTALL)
    assert match, key
    texts = re.findall(r"<text[^>]*>(.*?)</text>", match.group(1))
    return [(label, int(value)) for label, value in zip(texts[::2], texts[1::2], strict=True)]


def test_each_chart_has_a_table_with_the_same_numbers(report: ThematicReport) -> None:
    html = html_of(Client().get(report.get_absolute_url()))
    tables = figure_tables(html)
    figures = report.content["figures"]
    assert set(tables) == {"by_channel", "by_district", "by_age_band", "by_month", "area_share"}
    for key in ("by_channel", "by_district", "by_age_band", "by_month"):
        expected = [(escape(row["label"]), row["count"]) for row in figures[key]]
        assert tables[key] == expected, key
        assert chart_bars(html, key) == expected, key
    # All 27 districts of the process, zeros shown, and the opinions without one.
    assert len(tables["by_district"]) == 28
    assert tables["by_district"][-1] == ("bez dzielnicy", 1)
    # This area against all the others (6 of 24 opinions in scope).
    share = chart_bars(html, "area_share")
    assert [count for _label, count in share] == [6, 18]
    assert share[0][0] == "Miasto zielone"
    assert [count for _label, count in tables["area_share"]] == [6, 18]


def test_chart_svg_is_accessible(report: ThematicReport) -> None:
    html = html_of(Client().get(report.get_absolute_url()))
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL)
    assert svgs
    for svg in svgs:
        chart_id = re.search(r'aria-labelledby="([^"]+)-title"', svg)
        assert chart_id
        assert 'role="img"' in svg
        assert f'aria-describedby="{chart_id.group(1)}-desc"' in svg
        assert f'<title id="{chart_id.group(1)}-title">' in svg
        assert f'<desc id="{chart_id.group(1)}-desc">' in svg


def test_user_text_in_a_report_is_escaped(lublin_process: None) -> None:
    evil = '<script>alert("x")</script> Więcej drzew & <b>parków</b> w mieście.'
    terms = [{"term": "<img src=x onerror=1>", "lemmas": ["x"], "count": 1, "score": 1.0}]
    report = make_report(texts=[evil, *GREEN_TEXTS[:3]], terms=terms)
    html = html_of(Client().get(report.get_absolute_url()))
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert escape(evil) in html


def test_an_area_without_opinions_says_so_without_charts(lublin_process: None) -> None:
    report = make_report(texts=[])
    html = html_of(Client().get(report.get_absolute_url()))
    assert "<svg" not in html
    assert '<table class="table report-terms"' not in html
    assert 'class="message message--warning"' in html
    assert "Raport obejmuje 0 opinii" in html
    # The method's details are left out when there is nothing they were applied to.
    assert "k-średnich" not in html


def test_one_opinion_has_no_subthemes_and_says_why(lublin_process: None) -> None:
    report = make_report(texts=GREEN_TEXTS[:1], terms=[])
    html = html_of(Client().get(report.get_absolute_url()))
    assert 'class="subtheme"' not in html
    assert "Raport obejmuje 1 opinię" in html
    subthemes = html.split('id="subthemes-title"')[1].split("</section>")[0]
    assert 'class="empty"' in subthemes
    terms = html.split('id="terms-title"')[1].split("</section>")[0]
    assert 'class="empty"' in terms
    # The figures still show the one opinion; those with no data have no chart.
    assert html.count('role="img"') >= 4


def test_first_version_says_it_has_no_changes(report: ThematicReport) -> None:
    html = html_of(Client(headers={"accept-language": "en"}).get(report.get_absolute_url()))
    changes = html.split('id="changes-title"')[1].split("</section>")[0]
    assert "<table" not in changes


def test_headings_are_in_order(report: ThematicReport) -> None:
    html = html_of(Client().get(report.get_absolute_url()))
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


# --- The staff page -------------------------------------------------------------------------


def test_progress_polls_while_running_and_stops_when_done(lublin_process: None) -> None:
    running = make_report(status=ThematicReport.Status.BUILDING, published=False)
    client, _user = client_for("editor")
    url = reverse("opinions:report_progress", args=[running.pk])

    html = html_of(client.get(url, headers={"HX-Request": "true"}))
    assert html.lstrip().startswith(f'<tr id="report-{running.pk}"')
    assert 'hx-trigger="every 1s"' in html
    assert '<progress id="progress-' in html and 'value="40"' in html
    with translation.override("pl"):
        note = str(PROGRESS_NOTES[reports.NOTE_TERMS])
    assert "40 %" in html and note in html

    ThematicReport.objects.filter(pk=running.pk).update(
        status=ThematicReport.Status.BUILT, progress=100, content={}
    )
    html = html_of(client.get(url, headers={"HX-Request": "true"}))
    assert "hx-trigger" not in html
    assert f'action="/staff/reports/{running.pk}/publish/"' in html
    # The page's count of builds is replaced with the row: none runs now.
    assert '<div id="reports-running" hx-swap-oob="true">' in html
    assert "Trwa budowa" not in html and "being built" not in html

    # Without htmx, the address leads back to the staff page, at the report's row.
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('opinions:report_staff')}#report-{running.pk}"


def test_staff_page_offers_a_refresh_link_while_building(lublin_process: None) -> None:
    make_report(status=ThematicReport.Status.QUEUED, published=False)
    client, _user = client_for("editor")
    html = html_of(client.get(reverse("opinions:report_staff")))
    assert 'id="reports-running"' in html
    assert f'href="{reverse("opinions:report_staff")}"' in html


def test_staff_page_query_count_is_fixed(
    lublin_process: None, django_assert_num_queries: Any
) -> None:
    for index, slug in enumerate(["miasto-zielone", "sport", "kultura", "edukacja"]):
        make_report(area_slug=slug, published=bool(index % 2))
        make_report(area_slug=slug, version=2, status=ThematicReport.Status.BUILDING)
    client, _user = client_for("editor")
    client.get(reverse("opinions:report_staff"))  # the session is loaded once before
    # 1 session, 1 user, 1 the user's groups (the rules' role checks, cached on the user),
    # 2 the user's and the groups' model permissions (Django's ModelBackend, asked before
    # rules, cached on the user), 1 areas, 1 every report with its area, consultation and
    # people joined (content left out), 1 the consultations of the form's select: eight,
    # whatever the number of rows.
    with django_assert_num_queries(8):
        html = html_of(client.get(reverse("opinions:report_staff")))
    assert html.count('<tr id="report-') == 8


def test_invalid_build_request_is_explained_and_starts_nothing(lublin_process: None) -> None:
    client, _user = client_for("editor")
    response = client.post(
        reverse("opinions:report_build"), {"consultation": "999999", "area": "kosmodrom"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'href="#id_consultation"' in html
    assert not ThematicReport.objects.exists()


def test_public_report_list_query_count_is_fixed(
    lublin_process: None, django_assert_num_queries: Any
) -> None:
    for slug in ["miasto-zielone", "sport", "kultura"]:
        make_report(area_slug=slug)
        make_report(area_slug=slug, version=2)
    # 1 the published reports with area, consultation and people joined (content left out).
    with django_assert_num_queries(1):
        html = html_of(Client().get(reverse("opinions:report_list")))
    assert len(re.findall(r'<a href="/reports/\d+/">', html)) == 3


# --- The opinions behind a number -----------------------------------------------------------


def test_opinions_of_a_subtheme(report: ThematicReport) -> None:
    url = reverse("opinions:report_opinions", args=[report.pk])
    html = html_of(Client().get(url, {"subtheme": 1}))
    members = ReportMembership.objects.filter(report=report, subtheme=1)
    listed = set(map(int, re.findall(r'<h3><a href="/opinions/(\d+)/">', html)))
    assert listed == set(members.values_list("opinion_id", flat=True))


def test_all_opinions_of_a_report(report: ThematicReport) -> None:
    url = reverse("opinions:report_opinions", args=[report.pk])
    html = html_of(Client().get(url))
    listed = set(map(int, re.findall(r'<h3><a href="/opinions/(\d+)/">', html)))
    assert len(listed) == report.opinion_count == 6


@pytest.mark.parametrize(
    "params",
    [{"subtheme": "abc"}, {"subtheme": "7"}, {"term": "x" * 300}, {"term": "park", "subtheme": 0}],
)
def test_bad_filters_of_the_opinions_are_explained(
    report: ThematicReport, params: dict[str, Any]
) -> None:
    response = Client().get(reverse("opinions:report_opinions", args=[report.pk]), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert f'href="{reverse("opinions:report_opinions", args=[report.pk])}"' in html


@pytest.mark.parametrize("rows", [3, 25])
def test_report_opinions_query_count_is_fixed(
    lublin_process: None, django_assert_num_queries: Any, rows: int
) -> None:
    report = make_report(texts=[f"Opinia numer {n} o zieleni w mieście." for n in range(rows)])
    url = reverse("opinions:report_opinions", args=[report.pk])
    # 1 the report with its area, consultation and people joined, 1 the count of its
    # opinions, 1 the page of opinions with their area and district joined.
    with django_assert_num_queries(3):
        html = html_of(Client().get(url, {"subtheme": 0}))
    assert html.count('<h3><a href="/opinions/') == min(rows // 2, 20)


# --- The stage page -------------------------------------------------------------------------


def test_stage_two_lists_its_published_reports(lublin_process: None) -> None:
    public = make_report()
    draft = make_report(area_slug="sport", published=False)
    stage = Stage.objects.get(number=2)
    assert Consultation.objects.filter(stage=stage, kind="open-question").exists()

    html = html_of(Client().get(stage.get_absolute_url()))

    assert 'id="stage-reports-title"' in html
    assert f'href="{public.get_absolute_url()}"' in html
    assert f'href="{draft.get_absolute_url()}"' not in html
    # A stage that asks residents nothing lists no report.
    other = html_of(Client().get(Stage.objects.get(number=1).get_absolute_url()))
    assert 'id="stage-reports-title"' not in other


def test_editor_publishes_then_unpublishes(lublin_process: None) -> None:
    draft = make_report(published=False)
    client = Client()
    user = editor()
    client.force_login(user)

    response = client.post(reverse("opinions:report_publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by == user
    assert Client().get(draft.get_absolute_url()).status_code == 200

    response = client.post(
        reverse("opinions:report_unpublish", args=[draft.pk]),
        {"next": draft.get_absolute_url()},
    )
    assert response.url == draft.get_absolute_url()
    draft.refresh_from_db()
    assert not draft.is_published
    assert Client().get(draft.get_absolute_url()).status_code == 404


def test_publishing_an_unbuilt_version_is_refused(lublin_process: None) -> None:
    queued = make_report(status=ThematicReport.Status.QUEUED, published=False)
    client, _user = client_for("editor")
    response = client.post(reverse("opinions:report_publish", args=[queued.pk]), follow=True)
    queued.refresh_from_db()
    assert not queued.is_published
    assert 'class="message message--error"' in response.content.decode()


# --- With real builds -----------------------------------------------------------------------


@pytest.fixture
def built_green(lublin_process: None) -> ThematicReport:
    """The report on „Miasto zielone” built by the builder from the 240 sample opinions and
    1,500 generated ones."""
    from lublin2030.demo.opinions import seed_demo_opinions, seed_sample_opinions

    consultation = Consultation.objects.get(slug="jaki-ma-byc-lublin-w-2030")
    seed_sample_opinions(consultation=consultation)
    # Generated opinions too: the sample's 20 an area are too few for sub-themes.
    seed_demo_opinions(consultation=consultation, count=1500)
    (report,) = reports.create_report_versions(
        areas=[ThematicArea.objects.get(slug=AREA)], now=timezone.now()
    )
    built = reports.build_report(report_id=report.pk)
    assert built.status == ThematicReport.Status.BUILT, built.error
    return reports.publish_report(report=built, editor=editor())


def test_each_terms_list_is_as_long_as_its_count(built_green: ThematicReport) -> None:
    terms = built_green.content["terms"]
    assert terms, "the sample has terms typical of the area"
    client = Client()
    url = reverse("opinions:report_opinions", args=[built_green.pk])
    for term in terms[:8]:
        html = html_of(client.get(url, {"term": term["term"]}))
        heading = re.search(r'<h2 id="results-title">\s*(\d+)', html)
        assert heading, term
        assert int(heading.group(1)) == term["count"], term
        listed = re.findall(r'<h3><a href="/opinions/(\d+)/">', html)
        assert len(listed) == min(term["count"], 20)
        # Each listed opinion shows the term marked, in whatever form it was written.
        assert html.count("<mark>") >= len(listed)


def test_real_report_page_links_every_quote_to_its_opinion(built_green: ThematicReport) -> None:
    client = Client()
    html = html_of(client.get(built_green.get_absolute_url()))
    quotes = [
        quote for subtheme in built_green.content["subthemes"] for quote in subtheme["quotes"]
    ]
    assert quotes
    for quote in quotes:
        assert escape(quote["text"]).replace("\n", "<br>") in html
        assert f'href="/opinions/{quote["opinion_id"]}/"' in html
        assert client.get(f"/opinions/{quote['opinion_id']}/").status_code == 200
    for subtheme in built_green.content["subthemes"]:
        page = html_of(
            client.get(
                reverse("opinions:report_opinions", args=[built_green.pk]),
                {"subtheme": subtheme["index"]},
            )
        )
        assert re.search(rf'<h2 id="results-title">\s*[^<]*\b{subtheme["size"]}\b', page)
    assert html.count('role="img"') == 5


def test_editor_starts_all_builds_from_the_staff_page(
    lublin_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    client, user = client_for("editor")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("opinions:report_build"), {"area": "", "consultation": ""})
    assert response.status_code == 302
    started = ThematicReport.objects.all()
    assert started.count() == ThematicArea.objects.count() == 12
    assert {report.status for report in started} == {ThematicReport.Status.QUEUED}
    assert {report.requested_by for report in started} == {user}
    # One callback sends the twelve builds as a group, after the commit.
    assert len(callbacks) == 1

    html = html_of(client.get(reverse("opinions:report_staff")))
    assert html.count('hx-trigger="every 1s"') == 12


def test_editor_builds_one_area_of_one_consultation(
    lublin_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    consultation = Consultation.objects.get(slug="jaki-ma-byc-lublin-w-2030")
    client, _user = client_for("editor")
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            reverse("opinions:report_build"), {"area": "sport", "consultation": consultation.pk}
        )
    report = ThematicReport.objects.get()
    assert (report.area.slug, report.consultation, report.version) == ("sport", consultation, 1)


def test_editor_retries_a_failed_build(
    lublin_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    failed = make_report(status=ThematicReport.Status.FAILED, published=False)
    client, _user = client_for("editor")
    html = html_of(client.get(reverse("opinions:report_staff")))
    assert "Przerwano: brak pamięci" in html
    assert f'action="/staff/reports/{failed.pk}/retry/"' in html
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("opinions:report_retry", args=[failed.pk]))
    failed.refresh_from_db()
    assert (failed.status, failed.error) == (ThematicReport.Status.QUEUED, "")
    assert len(callbacks) == 1


def test_report_page_query_count_is_fixed(
    lublin_process: None, django_assert_num_queries: Any
) -> None:
    make_report(version=1)
    report = make_report(version=2, texts=[f"Drzewa i park, opinia {n}." for n in range(30)])
    # 1 the report with its area, consultation and people joined, 1 its previous version
    # (for the link beside the changes): the figures, terms, sub-themes and quotes are all
    # in the report's content, so the count does not grow with them.
    with django_assert_num_queries(2):
        html = html_of(Client().get(report.get_absolute_url()))
    assert html.count('<ul class="quotes">') == 2


class _OutsidePolish(HTMLParser):
    """The text of a page outside elements marked lang="pl" (and outside scripts, styles, the
    language switcher, which names each language in itself, and a chart's description, whose
    text cannot mark the Polish district name it may quote)."""

    SKIPPED = {"script", "style", "desc"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}:
            return
        inherited = bool(self.stack and self.stack[-1])
        attributes = dict(attrs)
        skip = (
            inherited
            or attributes.get("lang", "") == "pl"
            or tag in self.SKIPPED
            or "hreflang" in attributes
        )
        self.stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in {"br", "img", "input", "meta", "link", "hr"}:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.text.append(data)


def test_the_english_report_has_no_polish_outside_residents_words(
    built_green: ThematicReport,
) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        html = html_of(client.get(built_green.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"))
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    parser = _OutsidePolish()
    parser.feed("<main" + main)
    outside = " ".join(parser.text)

    assert "Appendix: how this report was made" in outside
    assert "Sub-theme 1" in outside
    polish = re.findall(r"\w*[ąćęłńśźżĄĆĘŁŃŚŹŻ]\w*", outside)
    assert polish == [], polish
    for word in ["opinie", "opinii", "zawierające", "Podtematy", "Raport", "miesiąc"]:
        assert not re.search(rf"\b{word}\b", outside), word
