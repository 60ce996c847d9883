"""Staff pages for the process' set-up: stages (editors), thematic areas and districts
(administrators): who may use them, validation in Polish next to the field, what is saved
and the log of every save (who, when, what)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import translation

from stages.models import District, Stage, ThematicArea
from tests.factories import UserFactory
from tests.roles import ROLES, client_for, expect_refused

pytestmark = pytest.mark.django_db

EDITORS = {"editor", "superuser"}
ADMINISTRATORS = {"superuser"}


def polish(text: str) -> str:
    with translation.override("pl"):
        return str(translation.gettext(text))


def stage_data(**changes: str) -> dict[str, str]:
    data = {
        "number": "10",
        "title": "Ewaluacja",
        "title_en": "Evaluation",
        "slug": "",
        "period_start": "2031-01-01",
        "period_end": "2031-06-30",
        "period_label": "styczeń – czerwiec 2031",
        "pinned_status": "",
    }
    return {**data, **changes}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("stages:staff_stage_create", EDITORS),
        ("stages:staff_area_list", ADMINISTRATORS),
        ("stages:staff_area_create", ADMINISTRATORS),
        ("stages:staff_district_list", ADMINISTRATORS),
        ("stages:staff_district_create", ADMINISTRATORS),
    ],
)
def test_set_up_pages_by_role(
    role: str, name: str, allowed: set[str], lublin_process: None
) -> None:
    response = client_for(role)[0].get(reverse(name))
    if role in allowed:
        assert response.status_code == 200
        assert "no-cache" in response["Cache-Control"]
    else:
        expect_refused(response, role)


@pytest.mark.parametrize("role", sorted(set(ROLES) - ADMINISTRATORS))
def test_others_cannot_add_or_edit_areas_and_districts(role: str, lublin_process: None) -> None:
    client = client_for(role)[0]
    district = District.objects.get(slug="czuby-polnocne")
    posts = [
        (reverse("stages:staff_district_create"), {"name": "Nowa"}),
        (reverse("stages:staff_district_edit", args=[district.pk]), {"name": "Inna"}),
        (reverse("stages:staff_area_create"), {"number": "13", "name": "Nowy obszar"}),
    ]
    for url, data in posts:
        expect_refused(client.post(url, data), role)
    assert not District.objects.filter(name__in=["Nowa", "Inna"]).exists()
    assert not ThematicArea.objects.filter(number=13).exists()
    assert not LogEntry.objects.exists()


def test_an_administrator_adds_a_district_and_the_log_says_who(lublin_process: None) -> None:
    client, admin = client_for("superuser")
    response = client.post(reverse("stages:staff_district_create"), {"name": "Głusk Zachodni"})
    assert response.status_code == 302
    assert response.url == reverse("stages:staff_district_list")
    district = District.objects.get(name="Głusk Zachodni")
    # The address is made from the name, "ł" included.
    assert district.slug == "glusk-zachodni"
    (entry,) = LogEntry.objects.all()
    assert entry.user == admin
    assert entry.action_flag == ADDITION
    assert entry.object_id == str(district.pk)
    assert entry.object_repr == "Głusk Zachodni"
    # The list: Polish alphabetical order, the new one among the others.
    names = [d.name for d in client.get(reverse("stages:staff_district_list")).context["districts"]]
    assert names.index("Głusk") < names.index("Głusk Zachodni") < names.index("Hajdów-Zadębie")
    assert names.index("Sławin") < names.index("Śródmieście") < names.index("Tatary")


def test_a_district_name_taken_is_refused_in_polish_next_to_the_field(
    lublin_process: None,
) -> None:
    client = client_for("superuser")[0]
    response = client.post(reverse("stages:staff_district_create"), {"name": "Śródmieście"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["name"] == [polish("A district of this name already exists.")]
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert polish("Please correct the fields marked below.") in html
    assert District.objects.filter(name="Śródmieście").count() == 1
    assert not LogEntry.objects.exists()


def test_editing_an_area_logs_the_fields_that_changed(lublin_process: None) -> None:
    client, admin = client_for("superuser")
    area = ThematicArea.objects.get(slug="miasto-zielone")
    url = reverse("stages:staff_area_edit", args=[area.pk])
    page = client.get(url)
    data = {
        name: ("" if value is None else value)
        for name, value in page.context["form"].initial.items()
        if name in page.context["form"].fields
    }
    data["name_en"] = "The green city"
    assert client.post(url, data).status_code == 302
    area.refresh_from_db()
    assert area.name_en == "The green city"
    (entry,) = LogEntry.objects.all()
    assert entry.action_flag == CHANGE and entry.user == admin
    assert json.loads(entry.change_message) == [{"changed": {"fields": ["name (English)"]}}]
    # Saving again unchanged saves and logs nothing.
    assert client.post(url, data).status_code == 302
    assert LogEntry.objects.count() == 1


def test_an_area_number_taken_is_refused(lublin_process: None) -> None:
    client = client_for("superuser")[0]
    response = client.post(
        reverse("stages:staff_area_create"), {"number": "1", "name": "Obszar dodatkowy"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["number"] == [polish("Another area has this number.")]


def test_an_editor_adds_a_stage_and_edits_its_period(lublin_process: None) -> None:
    client, user = client_for("editor")
    response = client.post(reverse("stages:staff_stage_create"), stage_data())
    assert response.status_code == 302
    stage = Stage.objects.get(number=10)
    assert (stage.slug, stage.title_en) == ("ewaluacja", "Evaluation")
    url = reverse("stages:staff_stage_edit", args=[stage.pk])
    response = client.post(url, stage_data(slug="ewaluacja", period_end="2031-09-30"))
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.period_end == dt.date(2031, 9, 30)
    assert [entry.action_flag for entry in LogEntry.objects.order_by("pk")] == [ADDITION, CHANGE]
    assert LogEntry.objects.filter(user=user).count() == 2


def test_a_stage_cannot_end_before_it_starts(lublin_process: None) -> None:
    client = client_for("editor")[0]
    response = client.post(
        reverse("stages:staff_stage_create"),
        stage_data(period_start="2031-06-30", period_end="2031-01-01"),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["period_end"] == [
        polish("The period cannot end before it starts.")
    ]
    assert not Stage.objects.filter(number=10).exists()


def test_a_stage_number_or_address_taken_is_refused(lublin_process: None) -> None:
    client = client_for("editor")[0]
    taken = Stage.objects.get(number=2)
    response = client.post(
        reverse("stages:staff_stage_create"), stage_data(number="2", slug=taken.slug)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["number"] == [polish("Another stage has this number.")]
    assert errors["slug"] == [polish("Another stage has this address.")]


def test_the_menu_links_the_set_up_pages_for_administrators_only(lublin_process: None) -> None:
    admin = Client()
    admin.force_login(UserFactory(is_superuser=True))
    html = admin.get(reverse("stages:staff_stage_list")).content.decode()
    assert f'href="{reverse("stages:staff_area_list")}"' in html
    assert f'href="{reverse("roles")}"' in html
    assert f'href="{reverse("stages:staff_stage_edit", args=[Stage.objects.first().pk])}"' in html
    editor_html = client_for("editor")[0].get(reverse("stages:staff_stage_list")).content.decode()
    assert f'href="{reverse("stages:staff_area_list")}"' not in editor_html
    assert f'href="{reverse("roles")}"' not in editor_html


def test_the_inputs_say_which_language_their_text_is_in(lublin_process: None) -> None:
    client = client_for("superuser", english=True)[0]
    stage = Stage.objects.get(number=2)
    html = client.get(reverse("stages:staff_stage_edit", args=[stage.pk])).content.decode()
    assert '<html lang="en">' in html
    (title_en,) = re.findall(r'<input [^>]*name="title_en"[^>]*>', html)
    assert 'lang="en"' in title_en
    form = client.get(reverse("stages:staff_stage_edit", args=[stage.pk])).context["form"]
    assert form.fields["title"].widget.attrs["lang"] == "pl"
    assert form.fields["title_en"].widget.attrs["lang"] == "en"
    assert form.fields["description_en"].widget.attrs["lang"] == "en"
    area_form = client.get(reverse("stages:staff_area_create")).context["form"]
    assert area_form.fields["name"].widget.attrs["lang"] == "pl"
    assert "lang" not in area_form.fields["number"].widget.attrs
