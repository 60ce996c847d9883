"""A search's ranking shared between requests until the next write (opinions/selectors.py,
core.pagecache.shared_until_written): a second request, signed in or not, pages through the
same ranking without searching, counting or ranking again; a write through a request is seen
on the next page, a write elsewhere within PAGE_CACHE_SECONDS; a cache that is down costs
nothing but the sharing."""

from __future__ import annotations

import time
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import pagecache
from opinions import selectors
from opinions.analysis.search import rank_by_relevance, search_opinions
from opinions.analysis.text import lemma_string
from opinions.models import Opinion, RejectionReason
from stages.models import Consultation
from tests.factories import OpinionFactory, ThematicAreaFactory, UserFactory, moderator
from tests.site.test_cache_outage import OwnRedis, own_redis  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

QUERY = "miejsca parkingowe"


@pytest.fixture(autouse=True)
def sharing(settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 30


def parking(consultation: Consultation, text: str, **fields: Any) -> Opinion:
    return cast(
        Opinion,
        OpinionFactory(consultation=consultation, text=text, lemmas=lemma_string(text), **fields),
    )


@pytest.fixture
def signed_in() -> Client:
    client = Client()
    client.force_login(UserFactory())
    return client


def search_page(client: Client, parameters: dict[str, Any]) -> str:
    response = client.get(reverse("opinions:list"), parameters)
    assert response.status_code == 200
    return response.content.decode()


def search(client: Client, query: str = QUERY, page: int = 1) -> tuple[str, list[str]]:
    """The page's HTML and the SQL of the queries that read opinions."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("opinions:list"), {"q": query, "page": page})
    assert response.status_code == 200
    read = [q["sql"] for q in queries.captured_queries if '"opinions_opinion"' in q["sql"]]
    return response.content.decode(), read


def test_a_second_search_reads_only_its_page_of_rows(
    consultation: Consultation, signed_in: Client
) -> None:
    most = parking(consultation, "Miejsca parkingowe, miejsca parkingowe i jeszcze parking.")
    fewer = parking(consultation, "Brakuje miejsc parkingowych przy blokach na Czubach.")

    first_html, first_reads = search(signed_in)
    second_html, second_reads = search(Client())  # another person, not signed in

    assert len(first_reads) >= 3  # matches counted, ranked, then the page's rows
    assert len(second_reads) == 1  # the page's rows by id
    for html in (first_html, second_html):
        assert html.index(f"/opinions/{most.pk}/") < html.index(f"/opinions/{fewer.pk}/")


def shown(html: str, opinions: list[Opinion]) -> list[int]:
    """The opinions' ids in the order the page shows them."""
    found = [
        (html.index(f"/opinions/{o.pk}/"), o.pk) for o in opinions if f"/opinions/{o.pk}/" in html
    ]
    return [pk for _at, pk in sorted(found)]


def test_every_page_of_a_ranking_is_read_from_it_in_order(
    consultation: Consultation, signed_in: Client
) -> None:
    from opinions.selectors import PAGE_SIZE

    opinions = [
        parking(
            consultation,
            " ".join(["Miejsca parkingowe."] * (1 + n % 4) + [f"Ulica numer {n}."] * (n % 3)),
        )
        for n in range(PAGE_SIZE + 5)
    ]
    first, _ = search(signed_in, page=1)
    second, reads = search(signed_in, page=2)

    assert len(reads) == 1
    ranked = list(
        rank_by_relevance(search_opinions(Opinion.objects.published(), QUERY), QUERY).values_list(
            "pk", flat=True
        )
    )
    assert shown(first, opinions) + shown(second, opinions) == ranked
    assert len(shown(first, opinions)) == PAGE_SIZE


def test_each_filter_and_each_query_has_its_own_ranking(
    consultation: Consultation, signed_in: Client
) -> None:
    north, south = ThematicAreaFactory(), ThematicAreaFactory()
    in_north = parking(consultation, "Miejsca parkingowe przy szkole.", area=north)
    in_south = parking(consultation, "Miejsca parkingowe przy przychodni.", area=south)
    trees = parking(consultation, "Więcej drzew przy szkole.", area=north)

    pages = {
        (area.slug, query): search_page(signed_in, {"q": query, "area": area.slug})
        for area in (north, south)
        for query in (QUERY, "drzewa")
    }

    assert shown(pages[north.slug, QUERY], [in_north, in_south, trees]) == [in_north.pk]
    assert shown(pages[south.slug, QUERY], [in_north, in_south, trees]) == [in_south.pk]
    assert shown(pages[north.slug, "drzewa"], [in_north, in_south, trees]) == [trees.pk]
    assert shown(pages[south.slug, "drzewa"], [in_north, in_south, trees]) == []


def test_a_write_while_a_ranking_is_made_is_not_hidden_by_it(
    consultation: Consultation, signed_in: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generation is read before the ranking is made: a write meanwhile outdates it."""
    parking(consultation, "Brakuje miejsc parkingowych przy blokach na Czubach.")
    found = selectors._found

    def found_then_written(*args: Any, **kwargs: Any) -> Any:
        result = found(*args, **kwargs)
        pagecache.invalidate()  # a moderator publishing, in another process
        return result

    monkeypatch.setattr(selectors, "_found", found_then_written)
    search(signed_in)
    monkeypatch.setattr(selectors, "_found", found)

    _, reads = search(signed_in)

    assert len(reads) >= 3  # ranked again, not served the outdated ranking


def test_a_cache_that_fails_costs_only_the_sharing(
    consultation: Consultation, signed_in: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = parking(consultation, "Brakuje miejsc parkingowych przy blokach na Czubach.")

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(pagecache.cache, "get_many", refused)
    first, _ = search(signed_in)
    monkeypatch.undo()
    monkeypatch.setattr(pagecache.cache, "set", refused)
    second, _ = search(signed_in)

    assert f"/opinions/{found.pk}/" in first
    assert f"/opinions/{found.pk}/" in second


def test_a_publication_through_a_request_is_found_by_the_next_search(
    consultation: Consultation, signed_in: Client
) -> None:
    parking(consultation, "Brakuje miejsc parkingowych przy blokach na Czubach.")
    pending = parking(
        consultation,
        "Miejsca parkingowe przy dworcu metropolitalnym.",
        status=Opinion.Status.PENDING,
    )
    before, _ = search(signed_in)
    staff = Client()
    staff.force_login(moderator())

    staff.post(reverse("opinions:moderation_publish", args=[pending.pk]), {"version": 1})
    after, reads = search(signed_in)

    assert f"/opinions/{pending.pk}/" not in before
    assert f"/opinions/{pending.pk}/" in after
    assert len(reads) >= 3  # ranked again


def test_an_opinion_hidden_outside_a_request_leaves_the_page_at_once(
    consultation: Consultation, signed_in: Client
) -> None:
    """A shared ranking holds ids only: a page reads its rows among the published ones."""
    kept = parking(consultation, "Brakuje miejsc parkingowych przy blokach na Czubach.")
    hidden = parking(consultation, "Miejsca parkingowe przy dworcu metropolitalnym.")
    search(signed_in)

    Opinion.objects.filter(pk=hidden.pk).update(
        status=Opinion.Status.REJECTED, rejection_reason=RejectionReason.OFF_TOPIC
    )
    html, reads = search(signed_in)

    assert len(reads) == 1  # the shared ranking, still
    assert f"/opinions/{kept.pk}/" in html
    assert f"/opinions/{hidden.pk}/" not in html


def test_a_write_outside_a_request_is_found_once_the_sharing_ends(
    consultation: Consultation, signed_in: Client, settings: Any
) -> None:
    settings.PAGE_CACHE_SECONDS = 1
    parking(consultation, "Brakuje miejsc parkingowych przy blokach na Czubach.")
    search(signed_in)
    imported = parking(consultation, "Miejsca parkingowe przy dworcu metropolitalnym.")

    shared, _ = search(signed_in)
    time.sleep(1.2)
    later, _ = search(signed_in)

    assert f"/opinions/{imported.pk}/" not in shared
    assert f"/opinions/{imported.pk}/" in later


def test_without_page_caching_nothing_is_shared(
    consultation: Consultation, signed_in: Client, settings: Any
) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    parking(consultation, "Brakuje miejsc parkingowych przy blokach na Czubach.")
    search(signed_in)

    _, reads = search(signed_in)

    assert len(reads) >= 3


def test_searches_work_while_the_cache_is_down(
    consultation: Consultation,
    signed_in: Client,
    own_redis: OwnRedis,  # noqa: F811
) -> None:
    found = parking(consultation, "Brakuje miejsc parkingowych przy blokach na Czubach.")
    search(signed_in)
    own_redis.stop()

    html, _ = search(signed_in)
    again, _ = search(Client())

    assert f"/opinions/{found.pk}/" in html
    assert f"/opinions/{found.pk}/" in again


# --- A search past the count cap: not ranked, its pages shared -------------------------------


def newest_first(opinions: list[Opinion]) -> list[int]:
    return list(
        Opinion.objects.filter(pk__in=[o.pk for o in opinions])
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )


@pytest.fixture
def past_the_cap(monkeypatch: pytest.MonkeyPatch, consultation: Consultation) -> list[Opinion]:
    """More matches than the (lowered) cap: the search lists the newest first, unranked."""
    monkeypatch.setattr("opinions.selectors.SEARCH_COUNT_CAP", 21)
    return [parking(consultation, f"Miejsca parkingowe przy ulicy numer {n}.") for n in range(30)]


def test_a_page_of_a_search_past_the_cap_is_shared_by_the_next_reader(
    past_the_cap: list[Opinion], signed_in: Client
) -> None:
    first_html, first_reads = search(signed_in)
    second_html, second_reads = search(Client())  # another person, not signed in

    # The first walked the newest matches for the page's ids; the next reads those rows.
    assert any("ORDER BY" in sql and "LIMIT" in sql for sql in first_reads)
    assert len(second_reads) == 1
    assert "LIMIT" not in second_reads[0]
    shown_first = shown(first_html, past_the_cap)
    assert shown_first == shown(second_html, past_the_cap)
    assert shown_first == newest_first(past_the_cap)[: selectors.PAGE_SIZE]


def test_each_page_past_the_cap_has_its_own_shared_ids(
    past_the_cap: list[Opinion], signed_in: Client
) -> None:
    first, _ = search(signed_in, page=1)
    second, _ = search(signed_in, page=2)
    again, reads = search(signed_in, page=2)

    assert len(reads) == 1
    # 22 listed (the cap + 1): 20 on the first page, 2 on the second, newest first.
    assert (
        shown(first, past_the_cap) + shown(second, past_the_cap)
        == (newest_first(past_the_cap)[:22])
    )
    assert shown(again, past_the_cap) == shown(second, past_the_cap)


def test_an_opinion_hidden_after_its_page_was_shared_leaves_it_at_once(
    past_the_cap: list[Opinion], signed_in: Client
) -> None:
    hidden = newest_first(past_the_cap)[0]
    search(signed_in)

    Opinion.objects.filter(pk=hidden).update(
        status=Opinion.Status.REJECTED, rejection_reason=RejectionReason.OFF_TOPIC
    )
    html, reads = search(signed_in)

    assert len(reads) == 1  # the shared ids, still
    assert f"/opinions/{hidden}/" not in html
    assert shown(html, past_the_cap) == newest_first(past_the_cap)[1 : selectors.PAGE_SIZE]
