"""The public list of opinions: filters, search in any inflected form, order, pages."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from opinions.analysis.runs import analyse_opinions
from opinions.analysis.text import lemma_string
from opinions.models import Channel, Opinion
from opinions.services import moderation, submission
from stages.models import Consultation, District, ThematicArea
from tests.factories import (
    ConsultationFactory,
    EventFactory,
    OpinionFactory,
    UserFactory,
    moderator,
)

pytestmark = pytest.mark.django_db

LIST = reverse("opinions:list")
START = dt.datetime(2020, 3, 1, 12, tzinfo=dt.UTC)


def opinion(text: str, minutes: int = 0, **fields: Any) -> Opinion:
    """A published opinion, analysed for search as the background task would."""
    fields.setdefault("created_at", START + dt.timedelta(minutes=minutes))
    if "consultation" not in fields:
        # The loaded Lublin process when a test has it (its stages take the numbers a new
        # consultation's stage would get), else a new consultation.
        fields["consultation"] = Consultation.objects.first() or ConsultationFactory()
    return OpinionFactory(text=text, lemmas=lemma_string(text), **fields)


def listed_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<h3><a href="/opinions/(\d+)/">', html)]


def test_only_published_opinions_are_listed(client: Client) -> None:
    shown = opinion("Opinia opublikowana po moderacji.")
    opinion("Opinia czekająca na moderację.", status=Opinion.Status.PENDING)
    opinion(
        "Opinia odrzucona przez moderatora.",
        status=Opinion.Status.REJECTED,
        rejection_reason="off-topic",
    )

    response = client.get(LIST)

    assert response.status_code == 200
    assert listed_ids(response.content.decode()) == [shown.pk]


def test_each_item_shows_its_details_and_links_to_its_page(
    client: Client, lublin_process: None
) -> None:
    area = ThematicArea.objects.get(slug="miasto-zielone")
    district = District.objects.get(slug="wieniawa")
    item = opinion(
        "Park na Wieniawie potrzebuje ławek.",
        area=area,
        district=district,
        channel=Channel.MOBILE_POINT,
        collected_on=dt.date(2020, 6, 14),
        support_count=7,
        comment_count=2,
    )

    html = client.get(LIST).content.decode()

    assert "Park na Wieniawie potrzebuje ławek." in html
    assert area.name in html and "Wieniawa" in html
    assert escape(str(Channel.MOBILE_POINT.label)) in html
    assert "14 czerwca 2020" in html
    assert re.search(r"\b7\b", html) and re.search(r"\b2\b", html)
    assert f'href="{item.get_absolute_url()}"' in html


def test_filters_by_area_district_channel_event_and_consultation(
    client: Client, lublin_process: None
) -> None:
    green = ThematicArea.objects.get(slug="miasto-zielone")
    sport = ThematicArea.objects.get(slug="sport")
    felin = District.objects.get(slug="felin")
    event = EventFactory()
    main = Consultation.objects.get(slug="jaki-ma-byc-lublin-w-2030")
    other = ConsultationFactory(slug="inna-konsultacja", stage=main.stage)
    a = opinion("Zieleń na Felinie.", 1, area=green, district=felin, consultation=main)
    b = opinion(
        "Boiska przy szkołach.", 2, area=sport, channel=Channel.CAFE, event=event, consultation=main
    )
    c = opinion("Zieleń w konsultacji innej.", 3, area=green, consultation=other)

    def ids(**params: str) -> list[int]:
        return listed_ids(client.get(LIST, params).content.decode())

    assert ids() == [c.pk, b.pk, a.pk]
    assert ids(area="miasto-zielone") == [c.pk, a.pk]
    assert ids(district="felin") == [a.pk]
    assert ids(channel="cafe") == [b.pk]
    assert ids(event=str(event.pk)) == [b.pk]
    assert ids(consultation="inna-konsultacja") == [c.pk]
    assert ids(area="miasto-zielone", consultation=main.slug) == [a.pk]


def test_an_unknown_filter_value_is_reported_and_the_rest_still_apply(client: Client) -> None:
    online = opinion("Opinia z formularza w sieci.", 1)
    opinion("Opinia z kawiarni partycypacyjnej.", 2, channel=Channel.CAFE)

    response = client.get(LIST, {"area": "nie-ma-takiego", "channel": "online"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="errorlist"' in html
    assert listed_ids(html) == [online.pk]


def test_sort_by_newest_or_most_supported(client: Client) -> None:
    old_popular = opinion("Stara, ale popularna opinia.", 1, support_count=30)
    new_quiet = opinion("Nowa, jeszcze bez poparcia.", 5, support_count=0)
    middle = opinion("Średnio popularna opinia.", 3, support_count=4)

    newest = listed_ids(client.get(LIST).content.decode())
    supported = listed_ids(client.get(LIST, {"sort": "supported"}).content.decode())

    assert newest == [new_quiet.pk, middle.pk, old_popular.pk]
    assert supported == [old_popular.pk, middle.pk, new_quiet.pk]


def test_pages_of_twenty_with_links_that_keep_the_filters(client: Client) -> None:
    for minute in range(25):
        opinion(f"Opinia numer {minute} w kolejce do strony.", minute)

    first = client.get(LIST, {"channel": "online"}).content.decode()
    second = client.get(LIST, {"channel": "online", "page": "2"}).content.decode()

    assert len(listed_ids(first)) == 20
    assert len(listed_ids(second)) == 5
    assert re.search(r"<h2 id=\"results-title\">\s*25 ", first)
    assert 'href="?channel=online&amp;page=2"' in first
    assert 'aria-current="page"' in first
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # A page number out of range shows the last page rather than an error.
    assert listed_ids(client.get(LIST, {"page": "99"}).content.decode()) == listed_ids(second)


def test_search_finds_other_inflected_forms_and_marks_them(client: Client) -> None:
    parking = opinion("Brakuje miejsc parkingowych przy dworcu.", 1)
    trees = opinion("Więcej drzew w dzielnicach, mniej betonu.", 2)
    opinion("Tańsze bilety dla studentów.", 3)

    parking_html = client.get(LIST, {"q": "miejsce parkingowe"}).content.decode()
    trees_html = client.get(LIST, {"q": "dzielnica drzewo"}).content.decode()

    assert listed_ids(parking_html) == [parking.pk]
    assert "<mark>miejsc</mark> <mark>parkingowych</mark>" in parking_html
    assert listed_ids(trees_html) == [trees.pk]
    assert "<mark>drzew</mark>" in trees_html and "<mark>dzielnicach</mark>" in trees_html
    assert 'value="dzielnica drzewo"' in trees_html  # the box keeps the query


def test_search_through_the_real_write_path(client: Client) -> None:
    consultation = ConsultationFactory()
    saved, _created = submission.submit_opinion(
        consultation=consultation, text="Potrzebujemy nowych parkingów rowerowych na Czubach."
    )
    # What the task enqueued after commit does; then a moderator publishes the opinion.
    analyse_opinions([saved.pk])
    moderation.publish_opinion(opinion_id=saved.pk, moderator=moderator(), expected_version=1)

    html = client.get(LIST, {"q": "parking rowerowy"}).content.decode()

    assert listed_ids(html) == [saved.pk]


@pytest.mark.django_db(transaction=True)
def test_an_answer_sent_through_the_form_is_found_after_the_worker_analysed_it(
    client: Client, worker: None
) -> None:
    consultation = ConsultationFactory()
    client.post(
        reverse("opinions:answer", kwargs={"slug": consultation.slug}),
        {"text": "Więcej zielonych skwerów i ławek przy kamienicach Śródmieścia.", "website": ""},
    )
    saved = Opinion.objects.get()

    # The form's commit sent the analysis to the broker; the worker fills in the lemmas.
    deadline = time.monotonic() + 30
    while Opinion.objects.filter(pk=saved.pk, analysed_at__isnull=True).exists():
        assert time.monotonic() < deadline, "the worker did not analyse the opinion"
        time.sleep(0.2)
    moderation.publish_opinion(opinion_id=saved.pk, moderator=moderator(), expected_version=1)

    html = client.get(LIST, {"q": "zielony skwer"}).content.decode()

    assert listed_ids(html) == [saved.pk]
    assert "<mark>zielonych</mark> <mark>skwerów</mark>" in html


@pytest.mark.parametrize("cap", [2, 100])
@pytest.mark.parametrize("sort", ["newest", "supported"])
def test_search_orders_the_same_whichever_plan_its_count_picks(
    client: Client, monkeypatch: pytest.MonkeyPatch, cap: int, sort: str
) -> None:
    # Over the cap the count says "more than", and the page walks the ordering index;
    # under it the matches are sorted after the search index found them.
    monkeypatch.setattr("opinions.selectors.SEARCH_COUNT_CAP", cap)
    found = [
        opinion(f"Rower miejski numer {number}.", number, support_count=number * 3 % 5)
        for number in range(4)
    ]
    opinion("Tramwaj zamiast autobusu.", 9)

    html = client.get(LIST, {"q": "rower", "sort": sort}).content.decode()

    if sort == "newest":
        expected = sorted(found, key=lambda o: o.created_at, reverse=True)
    else:
        expected = sorted(found, key=lambda o: (o.support_count, o.created_at), reverse=True)
    # Pages end after the cap: a search that broad is narrowed, not read to its end.
    assert listed_ids(html) == [o.pk for o in expected][: cap + 1]
    heading = re.search(r'<h2 id="results-title">(.*?)</h2>', html, re.S).group(1)
    assert ("2" in heading and "4" not in heading) if cap == 2 else "4" in heading


def test_highlighted_results_escape_the_opinion_text(client: Client) -> None:
    opinion('<img src=x onerror="alert(1)"> Więcej drzew & <b>ławek</b> w parkach.')

    html = client.get(LIST, {"q": "drzewo"}).content.decode()

    assert "<img src=x" not in html and "<b>ławek</b>" not in html
    assert "&lt;img src=x onerror=" in html
    assert "&lt;b&gt;ławek&lt;/b&gt;" in html
    assert "<mark>drzew</mark>" in html


def test_plain_listing_escapes_the_opinion_text(client: Client) -> None:
    opinion("<script>alert('x')</script> Chcemy fontann w centrum.")
    html = client.get(LIST).content.decode()
    assert "<script>alert('x')</script>" not in html
    assert "&lt;script&gt;" in html


def test_an_empty_result_says_so(client: Client) -> None:
    opinion("Opinia o tramwajach.")
    html = client.get(LIST, {"q": "kosmodrom"}).content.decode()
    assert listed_ids(html) == []
    assert 'class="empty"' in html
    assert f'href="{LIST}"' in html  # clear the search


FILTERED = {"q": "opinia", "sort": "supported", "area": "sport", "district": "felin"}


@pytest.mark.parametrize("rows", [3, 15])
@pytest.mark.parametrize("params", [{}, FILTERED])
def test_list_query_count_is_fixed(
    client: Client,
    lublin_process: None,
    django_assert_num_queries: Any,
    rows: int,
    params: dict[str, str],
) -> None:
    sport = ThematicArea.objects.get(slug="sport")
    felin = District.objects.get(slug="felin")
    for number in range(rows):
        opinion(
            f"Sportowa opinia numer {number}.",
            number,
            area=sport,
            district=felin,
            event=EventFactory() if number % 2 else None,
        )
    # The first view reads the filter form's lists into the cache: areas, districts,
    # events, consultations, and for a search the search synonyms; then, for a search on
    # PostgreSQL, the matches in a sample of the table (to tell many from few); the count
    # of matching opinions (stopping at the cap), and the page of opinions with their area
    # and district joined.
    sample = 1 if params.get("q") and connection.vendor == "postgresql" else 0
    synonyms = 1 if params.get("q") else 0
    with django_assert_num_queries(4 + synonyms + sample + 2):
        response = client.get(LIST, params)
    assert len(listed_ids(response.content.decode())) == rows
    # Later views take the lists, and the filters given by slug, from the cache.
    with django_assert_num_queries(sample + 2):
        response = client.get(LIST, params)
    assert len(listed_ids(response.content.decode())) == rows


@pytest.mark.parametrize("query", ["", "opinia"])
def test_a_list_over_the_count_cap_says_more_than_and_ends_its_pages(
    client: Client, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any, query: str
) -> None:
    monkeypatch.setattr("opinions.selectors.SEARCH_COUNT_CAP", 3)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the wording checked below
    for number in range(30):
        opinion(f"Opinia numer {number} ponad limit liczenia.", number)
    client.get(LIST, {"q": "opinia"})  # the filter form's lists and synonyms, into the cache

    # The count stopping after the cap and the page; on PostgreSQL also, without a search,
    # the planner's estimate of the whole number, with one the sample (of a table too
    # small for it to find thousands). The search's count passed the cap in the first
    # request: remembered (core/paging.py), it is not taken again.
    on_postgresql = connection.vendor == "postgresql"
    with django_assert_num_queries((3 if on_postgresql else 2) - (1 if query else 0)):
        html = client.get(LIST, {"q": query}).content.decode()

    heading = re.search(r'<h2 id="results-title">(.*?)</h2>', html, re.S).group(1)
    if on_postgresql and not query:
        assert re.search(r"About \d", heading)
    else:
        assert "More than 3 opinions" in heading
    assert "too many to read through" in html
    # Pages end after the cap: a list that long is narrowed, not read to its end.
    assert len(listed_ids(html)) == 4
    assert not re.search(r'href="\?[^"]*page=2"', html)


def test_browsing_needs_no_session(client: Client) -> None:
    # An anonymous visitor browsing gets no session (no cookie, no session row).
    opinion("Opinia bez sesji.", created_at=timezone.now())
    response = client.get(LIST)
    assert "sessionid" not in response.cookies


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TABLESAMPLE is PostgreSQL's")
@pytest.mark.parametrize("sort", ["newest", "supported"])
def test_a_search_sampled_as_dense_is_estimated_not_counted(
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: Any,
    sort: str,
) -> None:
    # A sample of every page is the exact number: 30 matches, far over a cap of 3, so the
    # search is not counted at all; the page walks the ordering index.
    monkeypatch.setattr("opinions.selectors.SEARCH_COUNT_CAP", 3)
    monkeypatch.setattr("opinions.analysis.counting.SAMPLE_PERCENT", 100.0)
    monkeypatch.setattr("opinions.analysis.counting.SAMPLE_FROM_ROWS", 0)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    found = [
        opinion(f"Rower numer {number}.", number, support_count=number * 7 % 11)
        for number in range(30)
    ]
    opinion("Tramwaj zamiast autobusu.", 40)
    # The filter form's lists and synonyms into the cache (another query: its own sample).
    client.get(LIST, {"q": "tramwaj"})

    # The sample and the page: no count.
    with django_assert_num_queries(2):
        html = client.get(LIST, {"q": "rower", "sort": sort}).content.decode()
    # The sample found it dense, and is remembered: the same search again is only the page
    # (in either order, since the sample does not depend on it).
    with django_assert_num_queries(1):
        again = client.get(LIST, {"q": "rower", "sort": "newest"}).content.decode()
    assert "About 30 opinions" in " ".join(again.split())

    heading = re.search(r'<h2 id="results-title">(.*?)</h2>', html, re.S).group(1)
    assert "About 30 opinions" in " ".join(heading.split())
    if sort == "newest":
        expected = sorted(found, key=lambda o: (o.created_at, o.pk), reverse=True)
    else:
        expected = sorted(found, key=lambda o: (o.support_count, o.created_at, o.pk), reverse=True)
    # Pages end after the cap, as for a counted search over it.
    assert listed_ids(html) == [o.pk for o in expected][:4]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TABLESAMPLE is PostgreSQL's")
def test_a_sampled_estimate_counts_only_matching_rows_of_the_queryset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from opinions.analysis import counting
    from opinions.analysis.search import search_opinions

    # A table this small is counted, not sampled…
    opinion("Rower na start.", 30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE opinions_opinion")
    assert counting.sampled_count(Opinion.objects.all(), percent=100) is None
    # …unless told otherwise, as here.
    monkeypatch.setattr("opinions.analysis.counting.SAMPLE_FROM_ROWS", 0)

    for number in range(12):
        opinion(f"Rower numer {number}.", number)
    opinion("Tramwaj zamiast autobusu.", 20)
    pending = opinion("Rower, ale jeszcze nie przeczytany.", 21)
    Opinion.objects.filter(pk=pending.pk).update(status=Opinion.Status.PENDING)

    matches = search_opinions(Opinion.objects.published(), "rower")
    assert counting.sampled_count(matches, percent=100) == 13
    # Remembered only past `dense_from`: a sparse sample is taken again after a write.
    monkeypatch.setattr("opinions.analysis.counting.SAMPLE_PERCENT", 100.0)
    assert counting.remembered_sample(matches, dense_from=13) == 13
    opinion("Rower jeszcze jeden.", 22)
    assert counting.remembered_sample(matches, dense_from=13) == 14
    opinion("Rower i jeszcze jeden.", 23)
    assert counting.remembered_sample(matches, dense_from=13) == 14
    # With almost no pages sampled, it finds (nearly) nothing: a sample, not a count.
    assert counting.sampled_count(matches, percent=0.0001) == 0
    assert counting.sampled_count(Opinion.objects.none(), percent=100) in {0, None}


def test_each_listed_opinion_says_where_and_when_it_came_from(
    client: Client, lublin_process: None
) -> None:
    sport = ThematicArea.objects.get(slug="sport")
    felin = District.objects.get(slug="felin")
    placed = opinion(
        "Boisko przy szkole otwarte po lekcjach.",
        area=sport,
        district=felin,
        channel=Channel.CAFE,
        collected_on=dt.date(2020, 5, 1),
        support_count=2,
        comment_count=5,
    )
    nowhere = opinion("Opinia o całym mieście <b>bez</b> obszaru.", 1, support_count=1)

    html = client.get(LIST).content.decode()  # Polish, the default

    cafe = escape(str(Channel(Channel.CAFE).label))
    assert (
        f'<p class="meta">{sport.name} · {felin.name} · {cafe} · '
        '<time datetime="2020-05-01">1 maja 2020</time> · 2 poparcia · 5 komentarzy</p>'
    ) in html
    assert (
        '<p class="meta">obszar nieprzypisany · całe miasto · formularz internetowy · '
        f'<time datetime="{nowhere.collected_on:%Y-%m-%d}">'
    ) in html
    assert "· 1 poparcie · 0 komentarzy</p>" in html
    assert placed.pk != nowhere.pk


def test_the_meta_line_kept_once_per_process_follows_names_counts_and_language(
    client: Client, lublin_process: None
) -> None:
    # Signed in: never the anonymous page cache, every page rendered anew.
    client.force_login(UserFactory())
    sport = ThematicArea.objects.get(slug="sport")
    placed = opinion("Boisko przy szkole.", area=sport, collected_on=dt.date(2020, 5, 1))
    assert "Sport · całe miasto · formularz internetowy" in client.get(LIST).content.decode()

    ThematicArea.objects.filter(pk=sport.pk).update(name="Sport i rekreacja", name_en="")
    Opinion.objects.filter(pk=placed.pk).update(support_count=3, comment_count=1)
    polish = client.get(LIST).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(LIST).content.decode()

    assert "Sport i rekreacja · całe miasto · formularz internetowy · " in polish
    assert '<time datetime="2020-05-01">1 maja 2020</time> · 3 poparcia · 1 komentarz</p>' in polish
    # The area without an English name is marked Polish on the English page.
    assert '<span lang="pl">Sport i rekreacja</span> · whole city · online form · ' in english
    assert '<time datetime="2020-05-01">1 May 2020</time> · 3 supports · 1 comment</p>' in english
