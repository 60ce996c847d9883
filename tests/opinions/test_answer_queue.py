"""The answer queue: who may use it, one answer for duplicates, a conflict keeps the text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from opinions.answers.models import ConsultationAnswer, Decision
from opinions.models import Opinion
from stages.models import DocumentVersion, Section
from tests.factories import DocumentVersionFactory, OpinionFactory, SectionFactory, moderator
from tests.roles import ROLES, client_for, expect_refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def section() -> Section:
    version = DocumentVersionFactory()
    return SectionFactory(version=version, key="cel-3-2", number="3.2", heading="Transport")


def queue_url(section: Section) -> str:
    return reverse("opinions:answer_queue", args=[section.version.consultation.slug])


def post_url(section: Section) -> str:
    return reverse("opinions:answer_post", args=[section.version.consultation.slug])


def comments(section: Section, n: int) -> list[Opinion]:
    return [
        OpinionFactory(consultation=section.version.consultation, section=section) for _ in range(n)
    ]


@pytest.mark.parametrize("role", list(ROLES))
def test_the_queue_is_for_moderators_and_editors(role: str, section: Section) -> None:
    client, _user = client_for(role)
    response = client.get(queue_url(section))
    if role in ("moderator", "editor", "superuser"):
        assert response.status_code == 200
    else:
        expect_refused(response, role)


@pytest.mark.parametrize("role", list(ROLES))
def test_only_editors_publish_answers(role: str, section: Section) -> None:
    client, _user = client_for(role)
    url = reverse("opinions:answers_publish", args=[section.version.consultation.slug])
    response = client.post(url)
    if role in ("editor", "superuser"):
        assert response.status_code == 302
    else:
        expect_refused(response, role)


def answer_post(comments: list[Opinion], **fields: Any) -> dict[str, Any]:
    return {
        "comment": [str(c.pk) for c in comments],
        **{f"seen-{c.pk}": "-" for c in comments},
        "decision": Decision.NOT_ACCEPTED,
        "justification": "Linia tramwajowa nie mieści się w budżecie do 2030 roku.",
        "changed_section": "",
        **fields,
    }


def test_one_answer_for_three_duplicates(section: Section) -> None:
    three = comments(section, 3)
    client = Client()
    client.force_login(moderator())
    response = client.post(post_url(section), answer_post(three))
    assert response.status_code == 302
    answer = ConsultationAnswer.objects.get()
    assert answer.comments.count() == 3
    assert answer.status == ConsultationAnswer.Status.DRAFT
    # They leave the default "unanswered" view of the queue.
    page = client.get(queue_url(section)).content.decode()
    for comment in three:
        assert f'name="comment" value="{comment.pk}"' not in page


def test_an_answer_without_justification_is_refused_and_nothing_is_saved(section: Section) -> None:
    (one,) = comments(section, 1)
    client = Client()
    client.force_login(moderator())
    response = client.post(post_url(section), answer_post([one], justification="  "))
    assert response.status_code == 400
    assert "Podaj uzasadnienie" in response.content.decode()
    assert not ConsultationAnswer.objects.exists()


def test_a_refused_answer_is_summed_up_above_the_comments(section: Section) -> None:
    """The answer's fields come after a page of comments (some 11,000 px): the summary at the
    top of the form says what is wrong and links to the field."""
    two = comments(section, 2)
    client = Client()
    client.force_login(moderator())
    response = client.post(post_url(section), answer_post(two, justification=""))
    html = response.content.decode()
    assert response.status_code == 400
    summary = html.index('id="answer-error-summary" role="alert" tabindex="-1"')
    assert summary < html.index(f'id="row-{two[0].pk}"')
    link = '<a href="#id_justification">Uzasadnienie: Podaj uzasadnienie: prawo wymaga go'
    assert summary < html.index(link) < html.index(f'id="row-{two[0].pk}"')
    assert '<textarea name="justification"' in html and 'id="id_justification"' in html
    # The ticked comments stay ticked.
    assert all(f'value="{c.pk}" id="comment-{c.pk}" checked' in html for c in two)
    # Without a field error there is no summary.
    assert 'id="answer-error-summary"' not in client.get(queue_url(section)).content.decode()


def test_a_missing_decision_links_to_its_first_choice_and_ids_are_unique(
    section: Section,
) -> None:
    """Radio buttons have no single id: the summary links to the first one. The filters'
    "decision" must not take the answer form's id."""
    two = comments(section, 2)
    client = Client()
    client.force_login(moderator())
    response = client.post(post_url(section), answer_post(two, decision=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_decision_0"' in html and 'id="id_decision_0"' in html
    assert 'href="#"' not in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_the_second_moderator_sees_a_conflict_and_keeps_the_text(section: Section) -> None:
    (one,) = comments(section, 1)
    first, second = Client(), Client()
    first.force_login(moderator())
    second.force_login(moderator())
    # Both drew the queue before either answered ("-": no answer seen).
    first.post(post_url(section), answer_post([one]))
    response = second.post(
        post_url(section),
        answer_post([one], decision=Decision.ACCEPTED, justification="Moje własne uzasadnienie."),
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "Moje własne uzasadnienie." in html
    assert "nie mieści się w budżecie" in html
    assert ConsultationAnswer.objects.get().decision == Decision.NOT_ACCEPTED


def test_the_queue_pins_its_queries(section: Section, django_assert_num_queries: Any) -> None:
    comments(section, 12)
    client = Client()
    client.force_login(moderator())
    client.get(queue_url(section))
    # session, user, groups (rules), consultation, sections, count, the page's ids (from the
    # index alone) and its comments, the model backend's user and group permissions (may
    # this user approve?), unanswered count
    with django_assert_num_queries(11):
        response = client.get(queue_url(section))
    assert response.status_code == 200


def test_an_answer_can_point_at_a_section_of_the_next_draft(section: Section) -> None:
    """The next version is drafted while the comments are answered: its sections are
    offered (a draft is not public yet, but the answer is published with the report)."""
    (one,) = comments(section, 1)
    consultation = section.version.consultation
    draft = DocumentVersionFactory(
        consultation=consultation,
        number=section.version.number + 1,
        status=DocumentVersion.Status.DRAFT,
        published_at=None,
    )
    changed = SectionFactory(version=draft, key="cel-3-2", number="3.2", heading="Tramwaje")
    client = Client()
    client.force_login(moderator())
    page = client.get(queue_url(section)).content.decode()
    assert f'<option value="{changed.pk}">§3.2 Tramwaje (v{draft.number}, wersja robocza)' in page
    # The consulted version's own sections are not a change.
    assert f'<option value="{section.pk}"' not in page

    response = client.post(post_url(section), answer_post([one], changed_section=str(changed.pk)))
    assert response.status_code == 302
    assert ConsultationAnswer.objects.get().changed_section == changed


def test_the_section_filter_offers_the_latest_versions_sections_and_filters_by_them(
    section: Section,
) -> None:
    other = SectionFactory(
        version=section.version, key="cel-4-1", number="4.1", heading="Zieleń", position=2
    )
    on_transport = comments(section, 2)
    on_green = comments(other, 1)
    client = Client()
    client.force_login(moderator())
    page = client.get(queue_url(section)).content.decode()
    assert '<option value="cel-3-2">§3.2 Transport</option>' in page
    assert '<option value="cel-4-1">§4.1 Zieleń</option>' in page

    filtered = client.get(queue_url(section), {"section": "cel-4-1"}).content.decode()
    assert f'id="row-{on_green[0].pk}"' in filtered
    assert all(f'id="row-{c.pk}"' not in filtered for c in on_transport)


def test_the_section_filter_shortens_a_long_heading_at_a_word(section: Section) -> None:
    SectionFactory(
        version=section.version,
        key="obszar-c",
        number="6",
        heading="Obszar C. Lublin otwarty, wielopokoleniowy i społecznie zaangażowany",
        position=section.position + 1,
    )
    client = Client()
    client.force_login(moderator())
    page = client.get(queue_url(section)).content.decode()
    assert (
        '<option value="obszar-c">§6 Obszar C. Lublin otwarty, wielopokoleniowy i społecznie…'
        "</option>"
    ) in page
    assert "zaan</option>" not in page
    # A heading that fits is left whole.
    assert '<option value="cel-3-2">§3.2 Transport</option>' in page


def test_each_row_names_its_comment_section_sender_channel_and_day(section: Section) -> None:
    """The rows' label and meta line are built in Python and their pieces kept per process
    (opinions/templatetags/answer_queue.py): a renamed section shows its new heading."""
    import datetime as dt

    from django.utils import timezone

    consultation = section.version.consultation
    # 23:30 UTC on 31 May is 1 June in Warsaw: the day is the portal's, as the filter showed it.
    sent = dt.datetime(2021, 5, 31, 23, 30, tzinfo=dt.UTC)
    by_city = OpinionFactory(
        consultation=consultation, section=section, organisation="Rada Dzielnicy Czuby",
        channel="paper", created_at=sent,
    )  # fmt: skip
    whole = OpinionFactory(consultation=consultation, section=None, created_at=sent)
    client = Client()
    client.force_login(moderator())
    html = client.get(queue_url(section), {"state": "all"}).content.decode()
    assert f"Uwaga nr {by_city.pk}\n            — §3.2 Transport</label>" in html
    assert "<strong>Rada Dzielnicy Czuby</strong> · " in html
    assert f"Uwaga nr {whole.pk}\n            — cały dokument</label>" in html
    assert "1 czerwca 2021" in html and "31 maja 2021" not in html
    assert timezone.localtime(sent).date() == dt.date(2021, 6, 1)

    Section.objects.filter(pk=section.pk).update(
        heading="Transport publiczny, ścieżki rowerowe i parkingi w śródmieściu Lublina"
    )
    html = client.get(queue_url(section), {"state": "all"}).content.decode()
    assert "§3.2 Transport publiczny, ścieżki rowerowe i parkingi …</label>" in html
