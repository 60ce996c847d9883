"""Recommendation → strategy: links, adopted / not adopted, and the goal page's origin panel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone, translation

from opinions.models import Opinion
from tests.factories import OpinionFactory
from tests.stages.strategy.factories import DirectionFactory, GoalFactory
from tests.workgroups.factories import recommendation
from tests.workgroups.grid import ROLES, Scene
from workgroups.models import OpinionEvidence, Recommendation, StrategyLink
from workgroups.services.adoption import (
    NotDecidable,
    decide_adoption,
    link_recommendation,
    unlink_recommendation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    # The services' messages are compared in English (the tests' own language).
    with translation.override("en"):
        yield


def verified(
    scene: Scene, title: str = "Zielone podwórka", *, published: bool = True
) -> Recommendation:
    rec = recommendation(scene.group, title=title, status=Recommendation.Status.VERIFIED)
    if published:
        Recommendation.objects.filter(pk=rec.pk).update(published_at=timezone.now())
        rec.refresh_from_db()
    return rec


@pytest.mark.parametrize("role", ROLES)
def test_only_editors_link_and_decide(scene: Scene, role: str) -> None:
    rec = verified(scene)
    goal = GoalFactory()
    actor = scene.people[role]
    allowed = role in ("editor", "superuser")
    if actor is None:
        return  # services are never called for anonymous visitors (views ask them to log in)
    if allowed:
        link_recommendation(recommendation_id=rec.pk, actor=actor, goal=goal, how="as_is")
        decide_adoption(recommendation_id=rec.pk, actor=actor, adopted=True)
        rec.refresh_from_db()
        assert rec.status == Recommendation.Status.ADOPTED
    else:
        with pytest.raises(PermissionDenied):
            link_recommendation(recommendation_id=rec.pk, actor=actor, goal=goal, how="as_is")
        with pytest.raises(PermissionDenied):
            decide_adoption(recommendation_id=rec.pk, actor=actor, adopted=False, reason="x")
        assert not StrategyLink.objects.exists()


def test_linking_again_updates_the_link(scene: Scene) -> None:
    rec, goal = verified(scene), GoalFactory()
    editor = scene.people["editor"]
    assert editor is not None
    link_recommendation(recommendation_id=rec.pk, actor=editor, goal=goal, how="as_is")
    link_recommendation(
        recommendation_id=rec.pk, actor=editor, goal=goal, how="merged", note="z nr 3"
    )
    link = StrategyLink.objects.get()
    assert (link.how, link.note, link.created_by) == ("merged", "z nr 3", editor)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"how": "as_is"}, "either a goal or a direction"),
        ({"how": "somehow", "goal": True}, "how the recommendation"),
        ({"how": "as_is", "goal": True, "note": "x" * 501}, "at most 500"),
    ],
)
def test_a_link_needs_one_target_a_way_and_a_short_note(
    scene: Scene, kwargs: dict[str, object], message: str
) -> None:
    rec = verified(scene)
    if kwargs.get("goal"):
        kwargs["goal"] = GoalFactory()
    with pytest.raises(ValidationError, match=message):
        link_recommendation(recommendation_id=rec.pk, actor=scene.people["editor"], **kwargs)  # type: ignore[arg-type]
    assert not StrategyLink.objects.exists()


def test_only_a_verified_recommendation_is_linked(scene: Scene) -> None:
    draft = recommendation(scene.group)
    with pytest.raises(NotDecidable):
        link_recommendation(
            recommendation_id=draft.pk,
            actor=scene.people["editor"],
            goal=GoalFactory(),
            how="as_is",
        )


def test_adopted_needs_a_link_and_not_adopted_a_reason(scene: Scene) -> None:
    rec = verified(scene)
    editor = scene.people["editor"]
    assert editor is not None
    with pytest.raises(ValidationError, match="Link the recommendation"):
        decide_adoption(recommendation_id=rec.pk, actor=editor, adopted=True)
    with pytest.raises(ValidationError, match="why"):
        decide_adoption(recommendation_id=rec.pk, actor=editor, adopted=False, reason="  ")
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.VERIFIED
    decide_adoption(
        recommendation_id=rec.pk, actor=editor, adopted=False, reason="Poza kompetencjami gminy."
    )
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.NOT_ADOPTED
    assert rec.adoption_reason == "Poza kompetencjami gminy."
    # Corrected later: adopted after all, the reason goes.
    link_recommendation(
        recommendation_id=rec.pk, actor=editor, direction=DirectionFactory(), how="changed"
    )
    decide_adoption(recommendation_id=rec.pk, actor=editor, adopted=True)
    rec.refresh_from_db()
    assert (rec.status, rec.adoption_reason) == (Recommendation.Status.ADOPTED, "")


def test_an_adopted_recommendation_keeps_its_last_link(scene: Scene) -> None:
    rec, editor = verified(scene), scene.people["editor"]
    assert editor is not None
    link = link_recommendation(
        recommendation_id=rec.pk, actor=editor, goal=GoalFactory(), how="as_is"
    )
    decide_adoption(recommendation_id=rec.pk, actor=editor, adopted=True)
    with pytest.raises(ValidationError):
        unlink_recommendation(link_id=link.pk, actor=editor)
    assert StrategyLink.objects.filter(pk=link.pk).exists()


def test_the_goal_page_says_where_the_goal_came_from(
    scene: Scene, client: Client, django_assert_num_queries: object
) -> None:
    editor = scene.people["editor"]
    assert editor is not None
    goal = GoalFactory(title="Zielone osiedla")
    direction = DirectionFactory(goal=goal)
    first, second = verified(scene, "Drzewa na podwórkach"), verified(scene, "Parki kieszonkowe")
    hidden = verified(scene, "Szkic grupy", published=False)
    opinions = [OpinionFactory(text=f"Posadźcie drzewa przy szkole nr {n}.") for n in range(4)]
    unpublished = OpinionFactory(text="Niewidoczna opinia", status=Opinion.Status.PENDING)
    for opinion in opinions[:3]:
        OpinionEvidence.objects.create(recommendation=first, opinion=opinion)
    # One opinion cited by both counts once; an unpublished one never.
    OpinionEvidence.objects.create(recommendation=second, opinion=opinions[0])
    OpinionEvidence.objects.create(recommendation=second, opinion=opinions[3])
    OpinionEvidence.objects.create(recommendation=second, opinion=unpublished)
    link_recommendation(recommendation_id=first.pk, actor=editor, goal=goal, how="as_is")
    link_recommendation(
        recommendation_id=second.pk,
        actor=editor,
        direction=direction,
        how="merged",
        note="połączona",
    )
    link_recommendation(recommendation_id=hidden.pk, actor=editor, goal=goal, how="as_is")
    # Goal (1), operational goals (1), indicators (1; none, so no measurements), directions
    # (1), tasks (1; none, so nothing under them), documents (1); the panel: links (1),
    # the count of opinions (1), the quotes (1).
    with django_assert_num_queries(9):  # type: ignore[operator]
        response = client.get(goal.get_absolute_url())
    html = response.content.decode()
    assert "Drzewa na podwórkach" in html
    assert "Parki kieszonkowe" in html
    assert "połączona" in html
    assert "Szkic grupy" not in html
    assert "Niewidoczna opinia" not in html
    assert response.context["panels"]
    summary = html.split('id="goal-origin-title"')[1].split("</p>")[0]
    assert " 2 " in summary  # recommendations
    assert " 4 " in summary  # distinct published opinions
    assert html.count('class="quote"') == 3
