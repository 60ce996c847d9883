"""Polish alphabetical order of districts and names (core/collation.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from core.collation import sorted_polish

LUBLIN = [
    "Abramowice", "Bronowice", "Czechów Południowy", "Czechów Północny", "Czuby Południowe",
    "Czuby Północne", "Dziesiąta", "Felin", "Głusk", "Hajdów-Zadębie", "Kalinowszczyzna",
    "Konstantynów", "Kośminek", "Ponikwoda", "Rury", "Sławin", "Sławinek", "Stare Miasto",
    "Szerokie", "Śródmieście", "Tatary", "Węglin Południowy", "Węglin Północny", "Wieniawa",
    "Wrotków", "Za Cukrownią", "Zemborzyce",
]  # fmt: skip


def test_the_27_districts_in_polish_order() -> None:
    assert sorted_polish(list(reversed(LUBLIN))) == LUBLIN
    assert sorted(LUBLIN) != LUBLIN  # by code point Śródmieście would come after Zemborzyce


def test_letters_with_diacritics_follow_their_base_letter() -> None:
    assert sorted_polish(["żaba", "zebra", "źrebię", "łąka", "lato", "ćma", "cel"]) == [
        "cel", "ćma", "lato", "łąka", "zebra", "źrebię", "żaba",
    ]  # fmt: skip
    assert sorted_polish(["Czuby Północne", "Czuby"]) == ["Czuby", "Czuby Północne"]


@pytest.mark.django_db
def test_the_opinion_list_filter_lists_districts_in_polish_order(
    client: Client, lublin_process: None
) -> None:
    html = client.get("/opinions/").content.decode()
    select = html[html.index('name="district"') :]
    select = select[: select.index("</select>")]
    positions = [select.index(f">{name}<") for name in ("Sławinek", "Śródmieście", "Tatary")]
    assert positions == sorted(positions)
    assert select.index(">Śródmieście<") < select.index(">Wrotków<")
