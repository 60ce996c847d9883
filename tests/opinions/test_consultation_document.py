"""The document part of a consultation's page is rendered once and cached
(opinions.consultation_document): what changes shows on the next request all the same."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from opinions.consultation_document import TEMPLATE
from opinions.models import Opinion
from opinions.services import moderation
from stages.documents.services import SectionItem, sync_recommendation_sections
from stages.models import Consultation, DocumentVersion
from tests.factories import (
    ConsultationFactory,
    DocumentConsultationFactory,
    DocumentVersionFactory,
    OpinionFactory,
    SectionFactory,
    moderator,
)

pytestmark = pytest.mark.django_db


def document(sections: int, slug: str = "projekt") -> DocumentVersion:
    version = DocumentVersionFactory(consultation=DocumentConsultationFactory(slug=slug))
    for n in range(1, sections + 1):
        SectionFactory(
            version=version,
            key=f"cel-{n}",
            number=str(n),
            level=1,
            heading=f"Cel {n}",
            position=n,
            body=f"Tekst celu {n} z **wyróżnieniem**.",
        )
    return version


class FragmentRenders:
    """How many times the fragment's template was rendered (Django's test signal)."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> FragmentRenders:
        template_rendered.connect(self.seen)
        return self

    def __exit__(self, *exc: object) -> None:
        template_rendered.disconnect(self.seen)

    def seen(self, sender: Any, template: Any, **kwargs: Any) -> None:
        if template.name == TEMPLATE:
            self.count += 1


def page(slug: str = "projekt", client: Client | None = None) -> str:
    response = (client or Client()).get(reverse("opinions:consultation", args=[slug]))
    assert response.status_code == 200
    return response.content.decode()


def contents_and_text(html: str) -> str:
    return html[html.index('<nav class="toc"') : html.rindex("</section>")]


def test_the_document_is_rendered_once_and_then_served_from_the_cache() -> None:
    document(3)
    with FragmentRenders() as renders:
        first = page()
        second = page()
    assert renders.count == 1
    assert contents_and_text(first) == contents_and_text(second)
    assert "<strong>wyróżnieniem</strong>" in second
    assert '<a href="#s-cel-2">§2 Cel 2</a>' in second


def test_a_published_comment_counts_on_the_next_request_without_rendering_again() -> None:
    version = document(3)
    target = version.sections.get(key="cel-2")
    before = page()
    assert before.count("0 uwag") == 3
    assert "(0)" in before
    opinion = OpinionFactory(
        consultation=version.consultation, section=target, status=Opinion.Status.PENDING
    )
    moderation.publish_opinion(opinion_id=opinion.pk, moderator=moderator(), expected_version=1)

    with FragmentRenders() as renders:
        after = page()
    assert renders.count == 0
    assert after.count("0 uwag") == 2
    assert "1 uwaga" in after
    link = target.get_absolute_url()
    assert f'href="{link}">Zgłoś uwagę do §2 <span class="toc__count">(1)</span>' in after


def test_a_section_rewritten_in_place_shows_at_once() -> None:
    """The consultation of the recommendations rewrites its one published version in place
    (no request, so no page-cache generation): the fragment's key is made from the text."""
    consultation = ConsultationFactory(slug="rekomendacje", kind=Consultation.Kind.RECOMMENDATIONS)
    items = [SectionItem(key="r-1", number="1", heading="Zieleń", body="Więcej drzew.")]
    sync_recommendation_sections(consultation=consultation, items=items)
    assert "Więcej drzew." in page("rekomendacje")
    items = [SectionItem(key="r-1", number="1", heading="Zieleń i woda", body="Mniej betonu.")]
    sync_recommendation_sections(consultation=consultation, items=items)

    html = page("rekomendacje")
    assert "Mniej betonu." in html
    assert "Zieleń i woda" in html
    assert "Więcej drzew." not in html


def test_each_language_has_its_own_fragment() -> None:
    document(2)
    assert "Zgłoś uwagę do §1" in page()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = page(client=client)
    assert "Comment on §1" in english
    assert "0 comments" in english
    assert "Zgłoś uwagę" not in english


def test_a_closed_consultation_says_comments_on_not_comment_on() -> None:
    version = document(2)
    assert "Zgłoś uwagę do §1" in page()
    Consultation.objects.filter(pk=version.consultation.pk).update(
        closes_at=timezone.now() - dt.timedelta(days=1)
    )
    html = page()
    assert "Zgłoś uwagę do §1" not in html
    assert "Uwagi do §1" in html


@pytest.mark.parametrize("sections", [3, 30])
def test_the_page_takes_the_same_queries_cached_or_not(
    sections: int, django_assert_num_queries: Any
) -> None:
    document(sections)
    # consultation, published versions, sections, events: the same with 3 sections or 30,
    # when the fragment is rendered and when it comes from the cache.
    for _ in range(2):
        with django_assert_num_queries(4):
            page()


def test_how_to_comment_is_markdown_its_dashed_lines_a_list() -> None:
    version = document(1)
    Consultation.objects.filter(pk=version.consultation.pk).update(
        how_to_comment="Uwagi można zgłaszać:\n\n- na portalu,\n- pocztą <b>e-mail</b>.",
        how_to_comment_en="",
    )
    html = page()
    assert "<li>na portalu,</li>" in html
    assert "<li>pocztą &lt;b&gt;e-mail&lt;/b&gt;.</li>" in html  # markup typed is text
    assert "- na portalu" not in html
