"""The `lublin_process` fixture: loaded once, yet every test finds the process as shipped.

The first two tests run in this order within one test process (the second is also right
when xdist sends it to another): what the first changes is rolled back with its savepoint.
"""

from __future__ import annotations

import pytest

from stages.models import Consultation, District, Stage, ThematicArea

pytestmark = pytest.mark.django_db


def shipped() -> tuple[int, int, int, int]:
    return (
        Stage.objects.count(),
        ThematicArea.objects.count(),
        District.objects.count(),
        Consultation.objects.count(),
    )


def test_a_test_may_change_the_process(lublin_process: None) -> None:
    first = shipped()
    Stage.objects.filter(number=1).update(title="Zmieniony przez test")
    District.objects.all().delete()

    assert Stage.objects.get(number=1).title == "Zmieniony przez test"
    assert shipped() == (first[0], first[1], 0, first[3])


def test_the_next_test_finds_it_as_shipped(lublin_process: None) -> None:
    assert shipped()[:3] == (9, 12, 27)
    assert Stage.objects.filter(title="Zmieniony przez test").count() == 0


def test_a_test_without_the_fixture_sees_no_process() -> None:
    assert shipped() == (0, 0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_test_that_commits_gets_the_process_too(lublin_process: None) -> None:
    assert shipped()[:3] == (9, 12, 27)
