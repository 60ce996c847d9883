"""What became of an opinion (workgroups.trace) and its panel on the tracking page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from opinions.models import Opinion, ReportMembership
from tests.factories import OpinionFactory, editor
from tests.workgroups.factories import WorkingGroupFactory, member
from tests.workgroups.test_recommendation_helpers import built_report, decide, text
from workgroups.models import Recommendation
from workgroups.services.recommendations import Cited, create_recommendation, publish_recommendation
from workgroups.trace import trace

pytestmark = pytest.mark.django_db

TEXT = "Więcej drzew i ławek w cieniu na Starym Mieście, bo latem jest za gorąco."


def published_opinion(**values: Any) -> Opinion:
    return OpinionFactory(text=TEXT, status=Opinion.Status.PUBLISHED, **values)


def citing(opinion: Opinion, *, note: str = "", published: bool = True) -> Recommendation:
    group = WorkingGroupFactory()
    author = member(group)
    recommendation = create_recommendation(
        group=group, author=author, text=text(opinions=[Cited(opinion.pk, note)])
    )
    if published:
        decide(recommendation, "verified")
        publish_recommendation(recommendation_id=recommendation.pk, actor=editor())
        recommendation.refresh_from_db()
    return recommendation


def kinds(steps: list[Any]) -> list[tuple[str, bool]]:
    return [(step.kind, step.reached) for step in steps]


def test_a_published_opinion_nothing_has_cited_yet_says_what_is_still_to_come() -> None:
    opinion = published_opinion()
    assert kinds(trace(opinion)) == [
        ("received", True),
        ("published", True),
        ("report", False),
        ("cited", False),
    ]


def test_the_chain_from_the_opinion_to_a_verified_published_recommendation() -> None:
    opinion = published_opinion()
    report = built_report(opinion.area or WorkingGroupFactory().area, version=3)
    ReportMembership.objects.create(report=report, opinion=opinion)
    unpublished = built_report(report.area, version=4, published=False)
    ReportMembership.objects.create(report=unpublished, opinion=opinion)
    shown = citing(opinion, note="Mieszkańcy chcą cienia")
    draft = citing(opinion, published=False)  # still the group's draft

    with translation.override("en"):
        steps = trace(opinion)

    assert kinds(steps) == [
        ("received", True),
        ("published", True),
        ("report", True),
        ("cited", True),
        ("strategy", False),
    ]
    report_step, cited_step = steps[2], steps[3]
    assert [sub.url for sub in report_step.substeps] == [report.get_absolute_url()]  # v4 hidden
    recommendation_step = cited_step.substeps[0]
    assert recommendation_step.url == shown.get_absolute_url()
    assert "Mieszkańcy chcą cienia" in recommendation_step.detail
    assert "verified by the city" in recommendation_step.detail
    # The draft is counted, never shown.
    assert [sub.kind for sub in cited_step.substeps] == ["recommendation", "cited_in_preparation"]
    assert all(sub.url != draft.get_absolute_url() for sub in cited_step.substeps)


def test_adoption_reaches_the_strategy_step() -> None:
    opinion = published_opinion()
    recommendation = citing(opinion)
    Recommendation.objects.filter(pk=recommendation.pk).update(status=Recommendation.Status.ADOPTED)
    assert kinds(trace(opinion))[-1] == ("strategy", True)


def test_the_goals_a_recommendation_became_and_one_not_adopted_with_its_reason(
    django_assert_num_queries: Any,
) -> None:
    from tests.stages.strategy.factories import DirectionFactory, GoalFactory
    from workgroups.services.adoption import decide_adoption, link_recommendation

    opinion = published_opinion()
    adopted, refused = citing(opinion), citing(opinion)
    goal = GoalFactory(code="B.2", title="Zieleń blisko domu")
    direction = DirectionFactory(goal=goal)
    boss = editor()
    link_recommendation(recommendation_id=adopted.pk, actor=boss, how="changed", goal=goal)
    link_recommendation(recommendation_id=adopted.pk, actor=boss, how="as_is", direction=direction)
    decide_adoption(recommendation_id=adopted.pk, actor=boss, adopted=True)
    decide_adoption(
        recommendation_id=refused.pk, actor=boss, adopted=False, reason="Poza kompetencjami gminy."
    )
    # The two of the chain, and the links to the strategy with their goals.
    with django_assert_num_queries(3):
        strategy = trace(opinion)[-1]
    assert strategy.reached
    assert strategy.text == "Stoi za 1 celem przyjętej strategii"
    goals = [s for s in strategy.substeps if s.kind == "goal"]
    assert len(goals) == 1  # the goal and its direction's goal are one goal
    assert goals[0].url == goal.get_absolute_url()
    refusals = [s for s in strategy.substeps if s.kind == "not_adopted"]
    assert refusals[0].detail == "Poza kompetencjami gminy."


def test_a_goal_reached_through_a_direction_in_the_page_language() -> None:
    from tests.stages.strategy.factories import DirectionFactory, GoalFactory
    from workgroups.services.adoption import decide_adoption, link_recommendation

    opinion = published_opinion()
    adopted = citing(opinion)
    goal = GoalFactory(code="C.1", title="Czyste powietrze", title_en="Clean air")
    boss = editor()
    direction = DirectionFactory(goal=goal)
    link_recommendation(recommendation_id=adopted.pk, actor=boss, how="merged", direction=direction)
    decide_adoption(recommendation_id=adopted.pk, actor=boss, adopted=True)

    with translation.override("en"):
        [step] = trace(opinion)[-1].substeps
    assert step.text == "Goal C.1: Clean air"
    assert step.url == goal.get_absolute_url()
    assert step.detail == "merged with other recommendations"


@pytest.mark.parametrize("links", [1, 6])
def test_the_trace_costs_two_queries_whatever_the_number_of_links(
    links: int, django_assert_num_queries: Any
) -> None:
    opinion = published_opinion()
    group = WorkingGroupFactory()
    for version in range(1, links + 1):
        ReportMembership.objects.create(
            report=built_report(group.area, version=version), opinion=opinion
        )
        citing(opinion)
    # The report versions with their areas; the citations with their recommendations,
    # groups, areas and latest verification outcome.
    with django_assert_num_queries(2):
        steps = trace(opinion)
    assert len(steps[2].substeps) == links
    assert len(steps[3].substeps) == links


def test_an_unpublished_opinion_costs_no_trace_query(django_assert_num_queries: Any) -> None:
    opinion = OpinionFactory(text=TEXT, status=Opinion.Status.PENDING)
    with django_assert_num_queries(0):
        assert kinds(trace(opinion)) == [("received", True), ("moderation", False)]


def test_the_tracking_page_shows_the_recommendation_that_cites_the_opinion(
    client: Client,
) -> None:
    opinion = published_opinion()
    recommendation = citing(opinion)

    html = client.get(opinion.get_tracking_url()).content.decode()

    assert f'href="{recommendation.get_absolute_url()}"' in html
    assert 'class="trace"' in html
    # The fixed "nothing cites this opinion yet" the page showed whatever happened is gone.
    outcome = html.split('id="outcome-title"')[1].split("</section>")[0]
    assert 'class="empty"' not in outcome


@pytest.mark.parametrize("links", [1, 6])
def test_the_tracking_page_lists_every_link_with_its_address_and_date(
    client: Client, links: int, django_assert_num_queries: Any
) -> None:
    opinion = published_opinion()
    group = WorkingGroupFactory()
    # Just before midnight UTC on 31 March: already 1 April in Warsaw (summer time).
    with time_machine.travel(dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        reports = [built_report(group.area, version=n) for n in range(1, links + 1)]
        for report in reports:
            ReportMembership.objects.create(report=report, opinion=opinion)
        recommendations = [citing(opinion, note="<b>pilne</b>") for _ in range(links)]

    # The opinion with what the page joins; the report versions; the citations.
    with django_assert_num_queries(3):
        html = client.get(opinion.get_tracking_url()).content.decode()

    for report in reports:
        assert f'href="{reverse("opinions:report_detail", kwargs={"pk": report.pk})}"' in html
    for recommendation in recommendations:
        assert f'href="{recommendation.get_absolute_url()}"' in html
    day = '<time datetime="2026-04-01T01:30:00+02:00">1 kwietnia 2026</time>'
    assert html.count(day) == 2 * links + 1  # each report and citation, and "included"
    # A group's note is text, never markup.
    assert html.count("&lt;b&gt;pilne&lt;/b&gt;") == links
    assert "<b>pilne" not in html


def test_the_public_page_shows_where_an_opinion_went_but_not_its_private_steps() -> None:
    from django.test import Client

    from tests.factories import OpinionFactory

    opinion = OpinionFactory()
    html = Client().get(opinion.get_absolute_url()).content.decode()
    assert "Co stało się z tą opinią" in html
    assert "Jeszcze nie ma jej w opublikowanym raporcie tematycznym" in html
    # The private steps (when it came in) are for its author's page only.
    assert "Data wpływu" not in html


def test_a_comment_on_a_document_is_traced_to_its_answer() -> None:
    from django.utils import timezone

    from opinions.answers.models import ConsultationAnswer, Decision
    from tests.factories import DocumentVersionFactory, OpinionFactory, SectionFactory
    from workgroups.trace import trace

    section = SectionFactory(version=DocumentVersionFactory())
    comment = OpinionFactory(consultation=section.version.consultation, section=section)
    steps = trace(comment)
    assert [s.kind for s in steps] == ["received", "published", "answer"]
    assert not steps[-1].reached
    comment.answer = ConsultationAnswer.objects.create(
        consultation=section.version.consultation,
        decision=Decision.ACCEPTED,
        justification="Dopisano.",
        status=ConsultationAnswer.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    comment.save()
    answered = trace(comment)[-1]
    assert answered.reached and answered.detail == "Dopisano."
