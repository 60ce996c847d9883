"""Recruitment services: calls, quotas, the close rule, placing within quotas, announcing."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from lublin2030.celery import app as celery_app
from tests.factories import UserFactory, editor
from tests.workgroups.factories import (
    ApplicationFactory,
    RecruitmentCallFactory,
    WorkingGroupFactory,
    member,
)
from workgroups.models import Application, Membership, RecruitmentCall, Seat, WorkingGroup
from workgroups.selectors import seats_of
from workgroups.services import notifications
from workgroups.services import recruitment as services
from workgroups.services.recruitment import CallNotOpen, SelectionRefused

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Tasks sent after commit run at once, in this process, through Celery itself."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


def new_group() -> WorkingGroup:
    return cast(WorkingGroup, WorkingGroupFactory())


def closed_call(*groups: WorkingGroup) -> RecruitmentCall:
    return RecruitmentCallFactory(
        groups=list(groups),
        opens_at=NOW - dt.timedelta(days=30),
        closes_at=NOW - dt.timedelta(days=1),
    )


def apply(call: RecruitmentCall, group: WorkingGroup, **values: Any) -> Application:
    return ApplicationFactory(call=call, first_choice=group, **values)


# --- Calls and quotas -------------------------------------------------------------------------


def test_open_call_needs_closing_after_opening_and_a_group() -> None:
    group = new_group()
    with pytest.raises(ValidationError) as error:
        services.open_call(
            title="Nabór",
            text="Tekst",
            opens_at=NOW,
            closes_at=NOW - dt.timedelta(hours=1),
            groups=[group],
            created_by=editor(),
        )
    assert "closes_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.open_call(
            title="Nabór",
            text="Tekst",
            opens_at=NOW,
            closes_at=NOW + dt.timedelta(days=1),
            groups=[],
            created_by=editor(),
        )
    assert "groups" in error.value.message_dict

    call = services.open_call(
        title="Nabór",
        text="Tekst",
        opens_at=NOW,
        closes_at=NOW + dt.timedelta(days=14),
        groups=[group],
        created_by=editor(),
    )
    assert list(call.groups.all()) == [group]


def test_a_group_someone_applied_to_stays_in_the_call() -> None:
    group, other = new_group(), new_group()
    call = RecruitmentCallFactory(groups=[group, other])
    ApplicationFactory(call=call, first_choice=group)
    with pytest.raises(ValidationError) as error:
        services.edit_call(
            call=call,
            title=call.title,
            text=call.text,
            opens_at=call.opens_at,
            closes_at=call.closes_at,
            groups=[other],
        )
    assert "groups" in error.value.message_dict
    services.edit_call(
        call=call,
        title="Nowy tytuł",
        text=call.text,
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        groups=[group],
    )
    call.refresh_from_db()
    assert call.title == "Nowy tytuł"
    assert list(call.groups.all()) == [group]


def test_quotas_default_to_lublins_and_can_change_per_group() -> None:
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    assert seats_of(group) == {
        "leader": 1,
        "resident": 3,
        "university": 1,
        "business": 1,
        "ngo": 1,
        "city": 3,
    }
    services.set_quotas(group=group, seats={"resident": 5, "city": 2})
    assert seats_of(group)["resident"] == 5
    assert seats_of(group)["city"] == 2
    assert seats_of(other)["resident"] == 3


def test_quotas_refuse_fewer_seats_than_taken_and_more_than_one_leader() -> None:
    group = WorkingGroupFactory()
    member(group, seat=Seat.RESIDENT)
    member(group, seat=Seat.RESIDENT)
    with pytest.raises(ValidationError) as error:
        services.set_quotas(group=group, seats={"resident": 1, "leader": 2, "ngo": -1})
    assert set(error.value.message_dict) == {"resident", "leader", "ngo"}
    assert seats_of(group)["resident"] == 3


# --- Applying and the close rule --------------------------------------------------------------


def application_values(group: WorkingGroup, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "first_choice": group,
        "full_name": "Anna Kowalska",
        "sector": "resident",
        "motivation": "Mieszkam na Czubach i chcę pomóc.",
        "consent_to_publish": True,
    }
    values.update(changes)
    return values


def test_one_application_per_person_per_call_editable_while_open() -> None:
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    call = RecruitmentCallFactory(groups=[group, other])
    person = UserFactory()

    first, created = services.submit_application(
        call=call, applicant=person, **application_values(group)
    )
    again, created_again = services.submit_application(
        call=call,
        applicant=person,
        **application_values(other, second_choice=group, sector="ngo", organisation="Fundacja"),
    )

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Application.objects.count() == 1
    first.refresh_from_db()
    assert (first.first_choice, first.second_choice, first.sector, first.organisation) == (
        other,
        group,
        "ngo",
        "Fundacja",
    )


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(-10, -1), (1, 10)],
    ids=["closed", "not yet open"],
)
def test_no_application_and_no_change_outside_the_call(opens: int, closes: int) -> None:
    group = WorkingGroupFactory()
    call = RecruitmentCallFactory(
        groups=[group],
        opens_at=NOW + dt.timedelta(days=opens),
        closes_at=NOW + dt.timedelta(days=closes),
    )
    existing = ApplicationFactory(call=call, first_choice=group, motivation="Pierwsza wersja.")
    with pytest.raises(CallNotOpen):
        services.submit_application(
            call=call,
            applicant=existing.applicant,
            **application_values(group, motivation="Zmieniona po terminie."),
        )
    with pytest.raises(CallNotOpen):
        services.submit_application(call=call, applicant=UserFactory(), **application_values(group))
    existing.refresh_from_db()
    assert existing.motivation == "Pierwsza wersja."
    assert Application.objects.count() == 1


def test_the_moment_the_call_closes_it_takes_nothing() -> None:
    group = WorkingGroupFactory()
    call = RecruitmentCallFactory(groups=[group])
    values = application_values(group)
    services.submit_application(
        call=call, applicant=UserFactory(), now=call.closes_at - dt.timedelta(seconds=1), **values
    )
    with pytest.raises(CallNotOpen):
        services.submit_application(
            call=call, applicant=UserFactory(), now=call.closes_at, **values
        )


def test_application_choices_and_organisation_are_checked() -> None:
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    outside = WorkingGroupFactory()
    call = RecruitmentCallFactory(groups=[group, other])
    with pytest.raises(ValidationError) as error:
        services.submit_application(
            call=call,
            applicant=UserFactory(),
            **application_values(
                group, second_choice=group, third_choice=outside, sector="business"
            ),
        )
    assert set(error.value.message_dict) == {"second_choice", "third_choice", "organisation"}
    with pytest.raises(ValidationError) as error:
        services.submit_application(
            call=call, applicant=UserFactory(), **application_values(group, third_choice=other)
        )
    assert set(error.value.message_dict) == {"third_choice"}
    assert not Application.objects.exists()


# --- Placing ----------------------------------------------------------------------------------


def test_placing_fills_a_seat_and_refuses_to_over_fill_it() -> None:
    group = WorkingGroupFactory(quotas={"leader": 1, "resident": 2})
    call = closed_call(group)
    applications = [apply(call, group) for _ in range(3)]

    services.place_applicant(application=applications[0], group_id=group.pk, seat="resident")
    services.place_applicant(application=applications[1], group_id=group.pk, seat="resident")
    with pytest.raises(SelectionRefused) as refusal:
        services.place_applicant(application=applications[2], group_id=group.pk, seat="resident")
    assert refusal.value.code == "full"

    assert Membership.objects.filter(group=group, seat="resident").count() == 2
    assert not Membership.objects.filter(active=True).exists()
    decisions = [Application.objects.get(pk=a.pk).decision for a in applications]
    assert decisions == ["selected", "selected", "pending"]


def test_one_person_is_never_in_two_groups() -> None:
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    call = closed_call(group, other)
    application = apply(call, group, second_choice=other)
    services.place_applicant(application=application, group_id=group.pk, seat="resident")
    with pytest.raises(SelectionRefused) as refusal:
        services.place_applicant(application=application, group_id=other.pk, seat="resident")
    assert refusal.value.code == "seated"
    assert list(Membership.objects.values_list("group", flat=True)) == [group.pk]


def test_a_member_of_an_earlier_call_cannot_take_a_second_seat() -> None:
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    call = closed_call(group, other)
    application = apply(call, other)
    member(group, user=application.applicant)
    with pytest.raises(SelectionRefused):
        services.place_applicant(application=application, group_id=other.pk, seat="resident")


@pytest.mark.parametrize(
    ("seat", "values", "refusal"),
    [
        ("leader", {}, "not_a_leader"),
        ("city", {"sector": "resident"}, "other_sector"),
        ("resident", {"first_choice": None}, "not_a_preference"),
    ],
)
def test_a_seat_must_fit_the_application(seat: str, values: dict[str, Any], refusal: str) -> None:
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    call = closed_call(group, other)
    if values.get("first_choice", group) is None:
        values = {**values, "first_choice": other}
    application = ApplicationFactory(call=call, **{"first_choice": group, **values})
    with pytest.raises(SelectionRefused) as error:
        services.place_applicant(application=application, group_id=group.pk, seat=seat)
    assert error.value.code == refusal
    assert not Membership.objects.exists()


def test_the_leader_seat_takes_someone_willing_to_lead_of_any_sector() -> None:
    group = WorkingGroupFactory()
    call = closed_call(group)
    application = apply(call, group, sector="university", organisation="UMCS", wants_to_lead=True)
    membership = services.place_applicant(application=application, group_id=group.pk, seat="leader")
    assert membership.seat == "leader"


def test_no_selection_while_the_call_is_open_or_after_announcing() -> None:
    group = WorkingGroupFactory()
    open_call = RecruitmentCallFactory(groups=[group])
    with pytest.raises(SelectionRefused) as refusal:
        services.place_applicant(
            application=apply(open_call, group), group_id=group.pk, seat="resident"
        )
    assert refusal.value.code == "still_open"
    call = closed_call(group)
    application = apply(call, group)
    services.announce_selection(call=call)
    for action in (
        lambda: services.place_applicant(
            application=application, group_id=group.pk, seat="resident"
        ),
        lambda: services.reject_applicant(application=application),
    ):
        with pytest.raises(SelectionRefused) as refusal:
            action()
        assert refusal.value.code == "announced"


def test_remove_waitlist_and_reject_free_the_seat() -> None:
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    call = closed_call(group, other)
    application = apply(call, group, second_choice=other)
    services.place_applicant(application=application, group_id=group.pk, seat="resident")

    services.waitlist_applicant(application=application, group_id=other.pk)
    application.refresh_from_db()
    assert (application.decision, application.waitlist_group) == ("waitlisted", other)
    assert not Membership.objects.exists()

    services.place_applicant(application=application, group_id=group.pk, seat="resident")
    services.remove_placement(application=application)
    application.refresh_from_db()
    assert (application.decision, application.waitlist_group) == ("pending", None)

    services.reject_applicant(application=application)
    application.refresh_from_db()
    assert application.decision == "rejected"
    with pytest.raises(SelectionRefused):
        services.waitlist_applicant(application=application, group_id=WorkingGroupFactory().pk)


def test_review_notes_are_kept() -> None:
    application = ApplicationFactory()
    services.save_review_notes(application=application, notes="  Doświadczenie w radzie.  ")
    application.refresh_from_db()
    assert application.review_notes == "Doświadczenie w radzie."


# --- Announcing -------------------------------------------------------------------------------


def test_announce_activates_seats_and_emails_everyone_after_commit(
    django_capture_on_commit_callbacks: Any, eager_celery: None
) -> None:
    group = WorkingGroupFactory()
    call = closed_call(group)
    chosen = apply(call, group)
    waiting = apply(call, group)
    refused = apply(call, group)
    undecided = apply(call, group)
    services.place_applicant(application=chosen, group_id=group.pk, seat="resident")
    services.waitlist_applicant(application=waiting)
    services.reject_applicant(application=refused)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        told = services.announce_selection(call=call)
        assert mail.outbox == []  # nothing goes before the commit

    assert told == len(callbacks) == 4
    assert Membership.objects.get().active is True
    undecided.refresh_from_db()
    assert undecided.decision == "rejected"
    recipients = {message.to[0]: message for message in mail.outbox}
    assert set(recipients) == {a.applicant.email for a in (chosen, waiting, refused, undecided)}
    assert group.name in recipients[chosen.applicant.email].body
    assert group.name in recipients[waiting.applicant.email].body
    assert Application.objects.filter(notified_at__isnull=True).count() == 0


def test_the_decision_email_goes_once_however_often_the_task_runs() -> None:
    from workgroups.tasks import notify_applicant

    group = WorkingGroupFactory()
    call = closed_call(group)
    application = apply(call, group)
    assert notify_applicant(application.pk) is False  # not announced: nothing to say yet
    services.announce_selection(call=call)

    assert notify_applicant(application.pk) is True
    assert notify_applicant(application.pk) is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [application.applicant.email]


def test_a_failed_send_is_not_marked_and_can_be_resent(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    group = WorkingGroupFactory()
    call = closed_call(group)
    application = apply(call, group)
    services.announce_selection(call=call)
    settings.EMAIL_BACKEND = "tests.workgroups.test_recruitment_services.FailingBackend"
    with pytest.raises(ConnectionError):
        notifications.notify_applicant(application_id=application.pk)
    application.refresh_from_db()
    assert application.notified_at is None

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.resend_notifications(call=call) == 1
    assert len(callbacks) == 1


class FailingBackend:
    def __init__(self, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise ConnectionError("the mail server is down")


# --- Two editors at the same moment (PostgreSQL) ----------------------------------------------


def race(calls: list[Callable[[], object]]) -> list[str]:
    """Start the calls at the same moment, each in its own thread (and connection)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("placed")
        except SelectionRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the race needs PostgreSQL's row locks (SELECT … FOR UPDATE)",
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_editors_filling_the_last_seat_at_once_never_over_fill_it() -> None:
    for round_number in range(5):
        group = WorkingGroupFactory(quotas={"resident": 1})
        call = closed_call(group)
        first, second = apply(call, group), apply(call, group)

        outcomes = race(
            [
                lambda a=first, g=group.pk: services.place_applicant(
                    application=a, group_id=g, seat="resident"
                ),
                lambda a=second, g=group.pk: services.place_applicant(
                    application=a, group_id=g, seat="resident"
                ),
            ]
        )

        assert sorted(outcomes) == ["placed", "refused"], round_number
        assert Membership.objects.filter(group=group).count() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_editors_seating_one_person_in_two_groups_at_once_seat_them_once() -> None:
    for round_number in range(5):
        group, other = WorkingGroupFactory(), WorkingGroupFactory()
        call = closed_call(group, other)
        application = apply(call, group, second_choice=other)

        outcomes = race(
            [
                lambda a=application, g=group.pk: services.place_applicant(
                    application=a, group_id=g, seat="resident"
                ),
                lambda a=application, g=other.pk: services.place_applicant(
                    application=a, group_id=g, seat="resident"
                ),
            ]
        )

        assert sorted(outcomes) == ["placed", "refused"], round_number
        assert Membership.objects.filter(user=application.applicant).count() == 1
