"""The walk back from a goal of the strategy to the opinions behind it: the list, its
counts by area and district (one GROUP BY), their filters, and a constant query count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opinions.models import Opinion
from stages.models import District, Goal, ThematicArea
from tests.factories import DistrictFactory, OpinionFactory, editor
from tests.stages.strategy.factories import DirectionFactory, GoalFactory
from tests.workgroups.factories import WorkingGroupFactory, recommendation
from workgroups.models import OpinionEvidence, Recommendation, WorkingGroup
from workgroups.services.adoption import link_recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def counted_afresh() -> None:
    # The counts are kept a few minutes in the cache, which outlives a test.
    cache.clear()


def published(group: WorkingGroup, title: str, *, public: bool = True) -> Recommendation:
    rec = recommendation(group, title=title, status=Recommendation.Status.VERIFIED)
    if public:
        Recommendation.objects.filter(pk=rec.pk).update(published_at=timezone.now())
        rec.refresh_from_db()
    return rec


def cite(rec: Recommendation, opinions: list[Any]) -> None:
    OpinionEvidence.objects.bulk_create(
        OpinionEvidence(recommendation=rec, opinion=opinion) for opinion in opinions
    )


@dataclass
class Walk:
    goal: Goal
    group: WorkingGroup
    area: ThematicArea
    other_area: ThematicArea
    district: District
    behind: list[Opinion]
    not_behind: list[Opinion]

    @property
    def url(self) -> str:
        return reverse("workgroups:goal_opinions", args=[self.goal.code])


@pytest.fixture
def walk() -> Walk:
    """A goal with an operational goal and a direction; published recommendations linked to
    each cite five published opinions (two areas, one district), and the opinions a pending
    status, an unpublished recommendation or another goal keep out."""
    group, other_group = WorkingGroupFactory(), WorkingGroupFactory()
    district = DistrictFactory(name="Czuby Południowe")
    goal = GoalFactory(title="Zielone osiedla")
    child = GoalFactory(parent=goal, level=Goal.Level.OPERATIONAL, area=goal.area)
    direction = DirectionFactory(goal=child)
    elsewhere = GoalFactory(title="Inny cel")
    behind: list[Any] = [
        OpinionFactory(text="Drzewa przy szkole.", area=group.area, district=district),
        OpinionFactory(text="Ławki w parku.", area=group.area, district=district),
        OpinionFactory(text="Zieleń na rondzie.", area=group.area),
        OpinionFactory(text="Cień na przystankach.", area=other_group.area, district=district),
        OpinionFactory(text="Łąki zamiast trawników.", area=other_group.area),
    ]
    pending = OpinionFactory(text="Czeka na moderację.", status=Opinion.Status.PENDING)
    drafted_only = OpinionFactory(text="Tylko w szkicu.", area=group.area)
    other_goal_only = OpinionFactory(text="Tylko przy innym celu.", area=group.area)
    first = published(group, "Drzewa na podwórkach")
    second = published(other_group, "Parki kieszonkowe")
    third = published(group, "Łąki miejskie")
    draft = published(group, "Szkic grupy", public=False)
    other = published(other_group, "Inna rekomendacja")
    cite(first, [*behind[:3], pending])
    cite(second, [behind[0], behind[3]])  # cited twice: counted once
    cite(third, [behind[4]])
    cite(draft, [drafted_only])
    cite(other, [other_goal_only])
    staff = editor()
    link_recommendation(recommendation_id=first.pk, actor=staff, goal=goal, how="as_is")
    link_recommendation(recommendation_id=second.pk, actor=staff, goal=child, how="merged")
    link_recommendation(recommendation_id=third.pk, actor=staff, direction=direction, how="as_is")
    link_recommendation(recommendation_id=draft.pk, actor=staff, goal=goal, how="as_is")
    link_recommendation(recommendation_id=other.pk, actor=staff, goal=elsewhere, how="as_is")
    not_behind: list[Any] = [pending, drafted_only, other_goal_only]
    return Walk(goal, group, group.area, other_group.area, district, behind, not_behind)


def listed(html: str, opinions: list[Opinion]) -> list[bool]:
    return [reverse("opinions:detail", args=[o.pk]) in html for o in opinions]


def test_the_page_lists_the_published_opinions_behind_the_goal_and_counts_them(
    walk: Walk, client: Client
) -> None:
    response = client.get(walk.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert listed(html, walk.behind) == [True] * 5
    assert listed(html, walk.not_behind) == [False] * 3
    counts = response.context["counts"]
    assert counts.total == 5
    by_number = sorted([(walk.area, 3), (walk.other_area, 2)], key=lambda pair: pair[0].number)
    assert [(t.slug, t.count) for t in counts.areas] == [(a.slug, n) for a, n in by_number]
    assert [(t.slug, t.count) for t in counts.districts] == [(walk.district.slug, 3)]
    # The page speaks Polish, the default language.
    assert "Opinie mieszkańców, z których wyrósł cel" in html
    assert "5 opinii" in html
    assert f'href="{walk.url}?area={walk.area.slug}"' in html
    assert f'href="{walk.url}?district={walk.district.slug}"' in html
    assert f"{walk.area.name}: 3 opinie" in html
    assert "Czuby Południowe: 3 opinie" in html


def test_each_count_filters_the_list(walk: Walk, client: Client) -> None:
    by_area = client.get(walk.url, {"area": walk.area.slug})
    assert listed(by_area.content.decode(), walk.behind) == [True, True, True, False, False]
    assert by_area.context["page"].paginator.count == 3
    by_district = client.get(walk.url, {"district": walk.district.slug})
    assert listed(by_district.content.decode(), walk.behind) == [True, True, False, True, False]
    both = client.get(walk.url, {"area": walk.other_area.slug, "district": walk.district.slug})
    assert listed(both.content.decode(), walk.behind) == [False, False, False, True, False]
    assert both.context["page"].paginator.count == 1
    assert 'aria-current="true"' in both.content.decode()


def test_a_place_with_no_opinion_behind_the_goal_lists_none_and_an_unknown_one_is_404(
    walk: Walk, client: Client
) -> None:
    quiet = DistrictFactory(name="Zemborzyce")
    response = client.get(walk.url, {"district": quiet.slug})
    assert response.status_code == 200
    assert listed(response.content.decode(), walk.behind) == [False] * 5
    assert "Zemborzyce" in response.content.decode()
    assert client.get(walk.url, {"area": "nie-ma-takiego"}).status_code == 404
    assert client.get(reverse("workgroups:goal_opinions", args=["9.9.9"])).status_code == 404


def test_the_query_count_stays_the_same_whatever_the_number_of_opinions(
    walk: Walk, client: Client, django_assert_num_queries: Any
) -> None:
    # The goal (1), the recommendations behind it (1), the counts by area and district
    # (1 GROUP BY), the page's ids in order (1) and then their rows with areas and
    # districts (1); the list's size comes from the counts.
    with django_assert_num_queries(5):
        client.get(walk.url)
    rec = Recommendation.objects.get(title="Drzewa na podwórkach")
    cite(rec, [OpinionFactory(area=walk.area, district=walk.district) for _ in range(40)])
    cache.clear()
    with django_assert_num_queries(5):
        response = client.get(walk.url)
    assert response.context["page"].paginator.count == 45
    # The counts come from the cache for a few minutes: one query fewer.
    with django_assert_num_queries(4):
        later = client.get(walk.url, {"page": 3, "area": walk.area.slug})
    assert later.context["page"].paginator.count == 43
    # The page's rows come in the list's order (newest first), read by their ids.
    newest_first = list(
        Opinion.objects.filter(area=walk.area, cited_by__isnull=False)
        .exclude(pk__in=[o.pk for o in walk.not_behind])
        .distinct()
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert [opinion.pk for opinion, _ in later.context["items"]] == newest_first[40:]


def test_a_recommendation_linked_to_the_goal_is_counted_at_once(walk: Walk, client: Client) -> None:
    assert client.get(walk.url).context["counts"].total == 5
    late = published(walk.group, "Późna rekomendacja")
    newly: Any = OpinionFactory(text="Nowa opinia.", area=walk.area)
    cite(late, [newly])
    link_recommendation(recommendation_id=late.pk, actor=editor(), goal=walk.goal, how="as_is")
    response = client.get(walk.url)
    assert response.context["counts"].total == 6
    assert listed(response.content.decode(), [newly]) == [True]


def test_the_goal_page_links_to_the_walk_back(walk: Walk, client: Client) -> None:
    html = client.get(walk.goal.get_absolute_url()).content.decode()
    assert f'href="{walk.url}"' in html
    assert "Wszystkie opinie, z których wyrósł ten cel (5)" in html


def test_a_goal_with_no_opinion_behind_it_says_so(client: Client) -> None:
    goal = GoalFactory()
    response = client.get(reverse("workgroups:goal_opinions", args=[goal.code]))
    assert response.status_code == 200
    assert response.context["counts"].total == 0
    assert "0 opinii" in response.content.decode()
