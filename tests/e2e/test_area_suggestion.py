"""The area suggestion in the moderation queue: a confidence band beside it (Polish first),
none below the threshold, and `a` accepting only a suggestion that is shown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.utils.translation import gettext
from playwright.sync_api import expect

from opinions.models import Opinion
from stages.models import Consultation, ThematicArea
from tests.e2e.conftest import assert_accessible, in_polish, log_in
from tests.factories import OpinionFactory

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from lublin2030.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_moderator_sees_bands_and_accepts_only_a_shown_suggestion(
    page: Page, verified_moderator: User, server_errors: list[str]
) -> None:
    consultation = Consultation.objects.get(slug="jaki-ma-byc-lublin-w-2030")
    green = ThematicArea.objects.get(slug="miasto-zielone")
    opinions = [
        OpinionFactory(
            consultation=consultation,
            status=Opinion.Status.PENDING,
            text=text,
            suggested_area=green,
            suggested_area_confidence=confidence,
        )
        for text, confidence in (
            ("Więcej drzew przy ulicach i w parkach.", 0.82),
            ("Mniej betonu na placach.", 0.41),
            ("Żeby było lepiej.", 0.12),
        )
    ]
    sure, unsure, below = opinions
    log_in(page, verified_moderator, lands_on="/staff/moderation/")

    row = {opinion.pk: page.locator(f"#opinion-{opinion.pk}") for opinion in opinions}
    expect(row[sure.pk]).to_contain_text("wysoka pewność")
    expect(row[unsure.pk]).to_contain_text("niska pewność")
    expect(row[below.pk]).not_to_contain_text("pewność")
    suggested = in_polish(lambda: gettext("Suggested"))
    expect(row[sure.pk]).to_contain_text(f"{suggested}: {green.name}")
    expect(row[below.pk]).not_to_contain_text(f"{suggested}:")
    assert "%" not in (row[sure.pk].inner_text() or "")
    assert_accessible(page)

    # `a` on the row below the threshold: nothing to accept, and the moderator is told.
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(row[below.pk]).to_be_focused()
    page.keyboard.press("a")
    expect(page.locator("#moderation-announcer")).to_have_text(
        in_polish(lambda: gettext("This opinion has no area suggestion to accept."))
    )
    below.refresh_from_db()
    assert below.area_id is None

    # `a` on the first row accepts its suggestion in place.
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(row[sure.pk]).to_be_focused()
    with page.expect_response(re.compile(rf"/staff/moderation/{sure.pk}/accept-suggestion/$")):
        page.keyboard.press("a")
    area_label = in_polish(lambda: gettext("Thematic area"))
    expect(row[sure.pk]).to_contain_text(f"{area_label}: {green.name}")
    sure.refresh_from_db()
    assert sure.area_id == green.pk
    assert not server_errors
