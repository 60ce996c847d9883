"""The process in numbers: each step counted by area and district, each number a link."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from opinions.models import Opinion, ReportMembership
from tests.factories import OpinionFactory, editor
from tests.workgroups.factories import WorkingGroupFactory, member
from tests.workgroups.test_recommendation_helpers import built_report, decide, drafted
from workgroups.models import OpinionEvidence, Recommendation
from workgroups.numbers import (
    CACHE_KEY,
    CACHE_SECONDS,
    KEEP_SECONDS,
    Counted,
    count_numbers,
    numbers,
)
from workgroups.services.recommendations import publish_recommendation, submit_recommendation
from workgroups.tasks import recount_numbers

pytestmark = pytest.mark.django_db


@pytest.fixture
def spine(db: None) -> dict[str, Any]:
    """Five published opinions in one area: three in a report, two cited, one adopted."""
    group = WorkingGroupFactory()
    area = group.area
    opinions = [OpinionFactory(area=area) for _ in range(5)]
    OpinionFactory(area=area, status=Opinion.Status.PENDING)
    report = built_report(area)
    for opinion in opinions[:3]:
        ReportMembership.objects.create(report=report, opinion=opinion)
    from tests.workgroups.factories import leader

    chair = leader(group)
    cited = drafted(group, member(group))
    submit_recommendation(recommendation_id=cited.pk, actor=chair)
    decide(cited, "verified")
    publish_recommendation(recommendation_id=cited.pk, actor=editor())
    for opinion in opinions[:2]:
        OpinionEvidence.objects.create(recommendation=cited, opinion=opinion)
    adopted = drafted(group, member(group))
    submit_recommendation(recommendation_id=adopted.pk, actor=chair)
    decide(adopted, "verified")
    publish_recommendation(recommendation_id=adopted.pk, actor=editor())
    Recommendation.objects.filter(pk=adopted.pk).update(status=Recommendation.Status.ADOPTED)
    OpinionEvidence.objects.create(recommendation=adopted, opinion=opinions[0])
    return {"area": area, "opinions": opinions}


def test_each_step_is_counted_by_area(spine: dict[str, Any]) -> None:
    numbers = count_numbers()
    row = next(r for r in numbers.by_area if r.slug == spine["area"].slug)
    assert row.counts == (5, 3, 2, 1)
    assert numbers.totals[0] >= 5


def test_the_figures_are_counted_in_one_pass_whatever_the_number_of_opinions(
    spine: dict[str, Any], django_assert_num_queries: Any
) -> None:
    # The GROUP BY (area, district) with a count per step (1), the areas (1), the
    # districts (1): a million opinions are read once, not once per step and grouping.
    with django_assert_num_queries(3):
        before = count_numbers()
    OpinionFactory.create_batch(3, area=spine["area"])
    with django_assert_num_queries(3):
        after = count_numbers()
    assert after.totals[0] == before.totals[0] + 3


def test_the_page_links_each_number_to_the_opinions_it_counts(
    spine: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    cache.clear()
    client = Client()
    page = client.get(reverse("workgroups:numbers")).content.decode()
    assert "Proces w liczbach" in page
    cited_url = reverse("workgroups:numbers_step", args=["cited"]) + f"?area={spine['area'].slug}"
    assert f'href="{cited_url}"' in page
    # Counted once, then read from the cache: two lists of names at most.
    with django_assert_max_num_queries(2):
        client.get(reverse("workgroups:numbers"))
    listed = client.get(cited_url).content.decode()
    cited = sorted(o.pk for o in spine["opinions"][:2])
    for pk in cited:
        assert reverse("opinions:detail", args=[pk]) in listed
    assert reverse("opinions:detail", args=[spine["opinions"][4].pk]) not in listed


def test_old_figures_are_shown_while_a_worker_counts_them_again(
    spine: dict[str, Any], django_assert_num_queries: Any
) -> None:
    cache.clear()
    key = f"{CACHE_KEY}:pl"
    with translation.override("pl"):
        first = numbers()  # the very first visitor counts
        cache.set(key, Counted(first, time.time() - CACHE_SECONDS - 1), KEEP_SECONDS)
        OpinionFactory(area=spine["area"])
        # A few minutes later: the last figures at once, and a recount asked of a worker.
        with django_assert_num_queries(0):
            assert numbers() == first
        assert cache.get(f"{key}:recounting")
        recount_numbers("pl")  # what the worker runs
        assert cache.get(f"{key}:recounting") is None
        with django_assert_num_queries(0):
            assert numbers().totals[0] == first.totals[0] + 1


def test_an_unknown_step_is_404(client: Client) -> None:
    assert client.get("/numbers/nope/").status_code == 404


def test_comments_on_a_consulted_document_are_not_counted_as_opinions(
    spine: dict[str, Any],
) -> None:
    from tests.factories import DocumentVersionFactory, SectionFactory

    before = count_numbers().totals
    section = SectionFactory(version=DocumentVersionFactory())
    OpinionFactory(consultation=section.version.consultation, section=section, area=spine["area"])
    assert count_numbers().totals == before


def test_an_unknown_area_is_404_not_the_whole_list(client: Client) -> None:
    url = reverse("workgroups:numbers_step", args=["published"]) + "?area=nie-ma-takiego"
    assert client.get(url).status_code == 404
