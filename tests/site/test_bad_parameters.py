"""Numbers and text that no person types, sent to every view that reads a number or free
text from a query string or a form: a 4xx or a form error, never a 500.

"²" passes `str.isdigit()` and fails `int()`; "٣" is a digit `int()` reads; a NUL byte
cannot be stored by PostgreSQL. Each is sent where a view reads an id, a page or a version.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import EventFactory, OpinionFactory, editor, moderator
from tests.workgroups.grid import build_scene
from tests.workgroups.test_recommendation_helpers import drafted

pytestmark = pytest.mark.django_db

ODD_NUMBERS = st.one_of(
    st.sampled_from(["²", "1²", "٣", "߅", "１２", "\x00", "1\x00", "-1", "9" * 40, " 7", "0x1"]),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Cc"]), min_size=1, max_size=6),
)
FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def no_server_error(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, status


def test_a_tracking_link_with_a_nul_byte_is_not_found(client: Client) -> None:
    assert client.get("/opinions/track/%00/").status_code == 404
    assert client.get("/opinions/track/abc%00def/").status_code == 404


@FUZZ
@given(value=ODD_NUMBERS)
def test_moderators_pages_take_any_number(lublin_process: None, value: str) -> None:
    client = Client()
    client.force_login(moderator())
    event = EventFactory()
    no_server_error(client.get(reverse("opinions:import_upload"), {"event": value}))
    no_server_error(
        client.get(reverse("opinions:typein", kwargs={"pk": event.pk}), {"saved": value})
    )
    no_server_error(
        client.post(
            reverse("opinions:moderation_bulk"),
            {"selected": [f"{value}:1", f"1:{value}"], "action": "publish"},
        )
    )
    no_server_error(client.get(reverse("opinions:moderation_queue"), {"page": value}))
    no_server_error(client.get(reverse("opinions:list"), {"page": value, "area": value}))


@FUZZ
@given(value=ODD_NUMBERS)
def test_the_recommendation_editor_takes_any_number_and_text(value: str) -> None:
    scene = build_scene()
    author = scene.people["leader"]
    assert author is not None
    recommendation = drafted(scene.group, author, title="Zielone podwórka")
    client = Client()
    client.force_login(author)
    edit = reverse("workgroups:recommendation_edit", kwargs={"pk": recommendation.pk})
    form = {
        "title": "Zielone podwórka",
        "vision": "Lublin zielony.",
        "diagnosis": "Brakuje drzew.",
        "goals": "Więcej zieleni.",
        "note": "",
        "expected_version": value,
        "direction_text": [f"Sadzenie drzew {value}"],
        "direction_indicator": [value],
        "direction_unit": ["ZZM"],
        "opinion": [value],
        "report": [value],
        "add_opinions": value,
        "add_opinions_note": value,
        f"opinion_note_{OpinionFactory().pk}": value,
        "action": "save",
    }
    no_server_error(client.post(edit, form))
    restore = reverse("workgroups:recommendation_restore", kwargs={"pk": recommendation.pk})
    no_server_error(client.post(restore, {"number": value, "expected_version": value}))
    compare = reverse("workgroups:recommendation_compare", kwargs={"pk": recommendation.pk})
    no_server_error(client.get(compare, {"a": value, "b": value}))


@FUZZ
@given(value=ODD_NUMBERS)
def test_the_selection_takes_any_application_number(value: str) -> None:
    scene = build_scene()
    client = Client()
    client.force_login(editor())
    selection = reverse("workgroups:selection", kwargs={"pk": scene.call.pk})
    no_server_error(client.post(selection, {"application": value, "action": "place"}))
    no_server_error(client.get(selection, {"page": value}))


def test_a_nul_byte_in_a_direction_or_a_note_is_a_form_error() -> None:
    scene = build_scene()
    author = scene.people["leader"]
    assert author is not None
    recommendation = drafted(scene.group, author, title="Zielone podwórka")
    client = Client()
    client.force_login(author)
    edit = reverse("workgroups:recommendation_edit", kwargs={"pk": recommendation.pk})
    base = {
        "title": "Zielone podwórka",
        "vision": "Lublin zielony.",
        "diagnosis": "Brakuje drzew.",
        "goals": "Więcej zieleni.",
        "note": "",
        "expected_version": recommendation.version,
        "direction_unit": ["ZZM"],
        "direction_indicator": ["liczba drzew"],
        "action": "save",
    }
    response = client.post(edit, {**base, "direction_text": ["Sadzenie\x00 drzew"]})
    assert response.status_code == 400  # the form again, with its error; nothing saved
    recommendation.refresh_from_db()
    assert recommendation.version == 1
    cited = OpinionFactory()
    response = client.post(
        edit,
        {**base, "direction_text": ["Sadzenie drzew"], "add_opinions": str(cited.pk),
         "add_opinions_note": "uwaga\x00"},
    )  # fmt: skip
    assert response.status_code == 400
    recommendation.refresh_from_db()
    assert recommendation.version == 1
