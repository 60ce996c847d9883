"""The moderation queue's layout at a desktop width and on a phone: the opinion's text gets
the room (the details sit on one line under it), rows stay short, the filters use the
whole width (folded behind one button on a phone), and nothing scrolls sideways."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from opinions.models import Opinion
from stages.models import Consultation, District, ThematicArea
from tests.e2e.conftest import assert_accessible, log_in, verified_user
from tests.factories import OpinionFactory, moderator

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXTS = [
    "Więcej zieleni w centrum miasta, szczególnie na placu Litewskim i wzdłuż Krakowskiego "
    "Przedmieścia. Latem brakuje cienia i ławek.",
    "Ścieżki rowerowe powinny łączyć dzielnice, a nie kończyć się nagle przy skrzyżowaniach.",
    "Potrzebujemy lepszej komunikacji miejskiej na Felin: autobusy jeżdżą rzadko, a wieczorem "
    "prawie wcale. Proszę o nocne linie i lepsze połączenie z dworcem.",
    "Kultura dla młodzieży.",
]


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


@pytest.mark.parametrize(
    # The text's least width and the rows' greatest average height at each width (before
    # this layout: 234 px of text and 271 px a row at 1280; 691 px a row at 375).
    ("width", "text_at_least", "row_at_most"),
    [(1280, 450, 200), (375, 300, 450)],
)
def test_the_queue_gives_the_text_room_and_keeps_rows_short(
    page: Page, lublin_process: None, width: int, text_at_least: int, row_at_most: int
) -> None:
    consultation = Consultation.objects.first()
    areas, districts = list(ThematicArea.objects.all()), list(District.objects.all())
    for i in range(25):
        OpinionFactory(
            consultation=consultation,
            text=TEXTS[i % 4],
            status=Opinion.Status.PENDING,
            district=districts[i % len(districts)],
            area=areas[i % len(areas)] if i % 2 else None,
        )
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, verified_user(moderator()), lands_on="/staff/moderation/")

    rows = page.locator("tr.moderation-row")
    expect(rows).to_have_count(25)
    assert box(page, "tr.moderation-row .opinion-text")["width"] >= text_at_least
    heights = rows.evaluate_all("rows => rows.map(row => row.getBoundingClientRect().height)")
    assert sum(heights) / len(heights) <= row_at_most, heights
    # Each row's details: area, district, channel, consultation, date, on the text's line.
    facts = rows.first.locator("ul.moderation-facts > li")
    expect(facts).to_have_count(5)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    search = page.locator("form.moderation-filters input[name='q']")
    expect(search).to_be_visible()
    status = page.locator("form.moderation-filters select[name='status']")
    if width < 640:
        # Folded: one tap opens them.
        expect(status).to_be_hidden()
        page.locator("form.moderation-filters summary.filters-fold__button").click()
        expect(status).to_be_visible()
    else:
        expect(page.locator("form.moderation-filters summary.filters-fold__button")).to_be_hidden()
        # The filters spread across the form, not down one third of it.
        form, grid = box(page, "form.moderation-filters"), box(page, ".filters__grid")
        assert grid["width"] >= 0.9 * (form["width"] - 48)
        assert grid["height"] < 200
    assert_accessible(page)
