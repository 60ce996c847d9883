"""Recruitment: calls, seat quotas, applications, review, placing people in seats, announcing.

Locks, and why:
- Placing someone locks the quota rows of the group (SELECT … FOR UPDATE), so two editors
  placing people in the same group at the same moment are served one after the other and
  the second sees the seat the first took: a seat kind is never over-filled.
- A person is never in two groups: the `one_group_per_person` constraint refuses the second
  seat even if two editors place the same person in two groups at once.
- Announcing and proposing lock the call and then every quota row of its groups, so they
  wait for placements in flight and no placement lands after the announcement.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.security import log_security_event
from core.tasks import send_after_commit

from .. import tasks
from ..models import (
    DEFAULT_SEATS,
    Application,
    Membership,
    RecruitmentCall,
    Seat,
    SeatQuota,
    Sector,
    WorkingGroup,
)
from ..selectors import seats_by_kind, taken_seats

if TYPE_CHECKING:
    from lublin2030.models import User

logger = logging.getLogger(__name__)

# The leader seat: the models' constraint allows one leader per group.
MAX_LEADERS = 1
MAX_SEATS_OF_A_KIND = 50


class CallNotOpen(Exception):
    """The call is not taking applications (not yet open, or closed)."""

    def __init__(self, call: RecruitmentCall) -> None:
        super().__init__(f"call {call.pk} is not open")
        self.call = call


class SelectionRefused(Exception):
    """A selection step that would break a rule; the message says which, for the editor."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


# --- Calls and quotas ----------------------------------------------------------------------


def _checked_groups(
    opens_at: dt.datetime, closes_at: dt.datetime, groups: Iterable[WorkingGroup]
) -> list[WorkingGroup]:
    """The call's groups, once its dates and groups are valid (a new call's or a change's)."""
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("The call must close after it opens.")})
    groups = list(groups)
    if not groups:
        raise ValidationError({"groups": _("Choose at least one group.")})
    return groups


def open_call(
    *,
    title: str,
    text: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    groups: Iterable[WorkingGroup],
    created_by: User,
) -> RecruitmentCall:
    groups = _checked_groups(opens_at, closes_at, groups)
    with transaction.atomic():
        call = RecruitmentCall.objects.create(
            title=title, text=text, opens_at=opens_at, closes_at=closes_at, created_by=created_by
        )
        call.groups.set(groups)
    return call


def edit_call(
    *,
    call: RecruitmentCall,
    title: str,
    text: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    groups: Iterable[WorkingGroup],
) -> RecruitmentCall:
    """Change a call; groups someone already applied to cannot be taken off it."""
    groups = _checked_groups(opens_at, closes_at, groups)
    with transaction.atomic():
        call = locked_call(call.pk)
        if call.announced_at is not None:
            raise ValidationError(_("The selection of this call is announced; it cannot change."))
        keep = {group.pk for group in groups}
        applied = set()
        for application in call.applications.all():
            applied.update(application.preference_ids)
        dropped = WorkingGroup.objects.filter(pk__in=applied - keep).select_related("area")
        if dropped:
            raise ValidationError(
                {
                    "groups": _("People have applied to %(groups)s; keep it in the call.")
                    % {"groups": ", ".join(group.name for group in dropped)}
                }
            )
        call.title, call.text, call.opens_at, call.closes_at = title, text, opens_at, closes_at
        call.save(update_fields=["title", "text", "opens_at", "closes_at"])
        call.groups.set(groups)
    return call


def set_quotas(*, group: WorkingGroup, seats: Mapping[str, int]) -> dict[str, int]:
    """Set a group's seats by kind; never fewer than the seats already taken."""
    unknown = set(seats) - set(DEFAULT_SEATS)
    if unknown:
        raise ValidationError(_("Unknown seat kinds: %(kinds)s") % {"kinds": ", ".join(unknown)})
    errors: dict[str, str] = {}
    with transaction.atomic():
        # Locked like a placement, so a seat cannot be taken while its quota shrinks.
        quotas = {
            quota.seat: quota
            for quota in SeatQuota.objects.select_for_update().filter(group=group).order_by("pk")
        }
        taken = taken_seats([group.pk])
        for kind, count in seats.items():
            if count < 0 or count > MAX_SEATS_OF_A_KIND:
                errors[kind] = _("Between 0 and %(max)d seats.") % {"max": MAX_SEATS_OF_A_KIND}
            elif kind == Seat.LEADER and count > MAX_LEADERS:
                errors[kind] = _("A group has at most one leader.")
            elif count < taken.get((group.pk, kind), 0):
                errors[kind] = _(
                    "%(taken)d seats of this kind are already taken; remove people first."
                ) % {"taken": taken[(group.pk, kind)]}
        if errors:
            raise ValidationError(errors)
        for kind, count in seats.items():
            quota = quotas.get(kind)
            if quota is None:
                SeatQuota.objects.create(group=group, seat=kind, seats=count)
            elif quota.seats != count:
                quota.seats = count
                quota.save(update_fields=["seats"])
    return seats_by_kind(seats.items())


# --- Applying ------------------------------------------------------------------------------


def application_errors(
    *,
    call: RecruitmentCall,
    choices: list[WorkingGroup | None],
    sector: str,
    organisation: str,
) -> dict[str, str]:
    """What is wrong with an application's choices and sector (empty when nothing)."""
    errors: dict[str, str] = {}
    names = ("first_choice", "second_choice", "third_choice")
    call_groups = set(call.groups.values_list("pk", flat=True))
    seen: set[int] = set()
    gap = False
    for name, group in zip(names, choices, strict=True):
        if group is None:
            if name == "first_choice":
                errors[name] = _("Choose the group you want to join most.")
            gap = True
            continue
        if gap:
            errors[name] = _("Fill in your preferences in order, without gaps.")
        elif group.pk not in call_groups:
            errors[name] = _("This call does not fill this group.")
        elif group.pk in seen:
            errors[name] = _("You have already chosen this group.")
        seen.add(group.pk)
    if sector not in Sector.values:
        errors["sector"] = _("Choose your sector.")
    elif sector != Sector.RESIDENT and not organisation.strip():
        errors["organisation"] = _("Name the organisation you represent.")
    return errors


def submit_application(
    *,
    call: RecruitmentCall,
    applicant: User,
    first_choice: WorkingGroup,
    second_choice: WorkingGroup | None = None,
    third_choice: WorkingGroup | None = None,
    full_name: str,
    sector: str,
    organisation: str = "",
    wants_to_lead: bool = False,
    motivation: str,
    experience: str = "",
    conflicts_of_interest: str = "",
    consent_to_publish: bool = False,
    now: dt.datetime | None = None,
) -> tuple[Application, bool]:
    """Create the person's application to the call, or update it; (application, created).

    One application per person per call, editable while the call is open, never after.
    """
    now = now or timezone.now()
    if not call.is_open(now):
        raise CallNotOpen(call)
    errors = application_errors(
        call=call,
        choices=[first_choice, second_choice, third_choice],
        sector=sector,
        organisation=organisation,
    )
    if not full_name.strip():
        errors["full_name"] = _("Give your name.")
    if not motivation.strip():
        errors["motivation"] = _("Tell us why you want to join.")
    if errors:
        raise ValidationError(errors)
    values: dict[str, Any] = {
        "first_choice": first_choice,
        "second_choice": second_choice,
        "third_choice": third_choice,
        "full_name": full_name.strip(),
        "sector": sector,
        "organisation": organisation.strip() if sector != Sector.RESIDENT else "",
        "wants_to_lead": wants_to_lead,
        "motivation": motivation.strip(),
        "experience": experience.strip(),
        "conflicts_of_interest": conflicts_of_interest.strip(),
        "consent_to_publish": consent_to_publish,
        "updated_at": now,
    }
    with transaction.atomic():
        existing = (
            Application.objects.select_for_update().filter(call=call, applicant=applicant).first()
        )
        if existing is None:
            try:
                with transaction.atomic():
                    application = Application.objects.create(
                        call=call, applicant=applicant, submitted_at=now, **values
                    )
                return application, True
            except IntegrityError:
                # The same person's second tab won the race; update what it created.
                existing = Application.objects.select_for_update().get(
                    call=call, applicant=applicant
                )
        for field, value in values.items():
            setattr(existing, field, value)
        existing.save(update_fields=list(values))
    return existing, False


# --- Reviewing -----------------------------------------------------------------------------


def save_review_notes(*, application: Application, notes: str) -> Application:
    application.review_notes = notes.strip()
    application.save(update_fields=["review_notes"])
    return application


# --- Selecting -----------------------------------------------------------------------------


def locked_call(pk: int) -> RecruitmentCall:
    return RecruitmentCall.objects.select_for_update().get(pk=pk)


def lock_quotas(group_ids: Iterable[int]) -> None:
    # Always in the same order (by pk), so two transactions never wait on each other.
    list(
        SeatQuota.objects.select_for_update()
        .filter(group_id__in=list(group_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def ensure_selection_allowed(call: RecruitmentCall, now: dt.datetime | None = None) -> None:
    if call.announced_at is not None:
        raise SelectionRefused(
            _("The selection of this call is already announced."), code="announced"
        )
    if not call.has_closed(now):
        raise SelectionRefused(
            _("Applications can still change until the call closes; select after that."),
            code="still_open",
        )


def _fresh(application: Application) -> Application:
    return Application.objects.select_related("call", "applicant").get(pk=application.pk)


def place_applicant(
    *, application: Application, group_id: int, seat: str, now: dt.datetime | None = None
) -> Membership:
    """Give the applicant a seat of the kind in the group (not yet active: see announce)."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_quotas([group_id])
        # Read after the lock: what another editor committed meanwhile is seen now.
        application = _fresh(application)
        call = application.call
        ensure_selection_allowed(call, now)
        if not call.groups.filter(pk=group_id).exists():
            raise SelectionRefused(_("This call does not fill that group."), code="not_in_call")
        if group_id not in application.preference_ids:
            raise SelectionRefused(
                _("%(name)s did not apply to this group.") % {"name": application.full_name},
                code="not_a_preference",
            )
        if seat == Seat.LEADER:
            if not application.wants_to_lead:
                raise SelectionRefused(
                    _("%(name)s did not offer to lead a group.") % {"name": application.full_name},
                    code="not_a_leader",
                )
        elif seat != application.sector:
            raise SelectionRefused(
                _("%(name)s applied from another sector.") % {"name": application.full_name},
                code="other_sector",
            )
        if Membership.objects.filter(user_id=application.applicant_id).exists():
            raise SelectionRefused(
                _("%(name)s already has a seat; a person sits in one group only.")
                % {"name": application.full_name},
                code="seated",
            )
        # Counted under the quota lock taken above, so no other placement is in between.
        quota = SeatQuota.objects.filter(group_id=group_id, seat=seat).first()
        taken = taken_seats([group_id]).get((group_id, seat), 0)
        if quota is None or taken >= quota.seats:
            raise SelectionRefused(
                _("All %(seats)d seats of this kind in this group are taken.")
                % {"seats": quota.seats if quota else 0},
                code="full",
            )
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    group_id=group_id,
                    user_id=application.applicant_id,
                    seat=seat,
                    call=call,
                    application=application,
                    active=False,
                    public_name=application.full_name if application.consent_to_publish else "",
                    created_at=now,
                )
        except IntegrityError as error:
            # Another editor seated the same person (or a leader) in the same instant.
            raise SelectionRefused(
                _("%(name)s already has a seat; a person sits in one group only.")
                % {"name": application.full_name},
                code="seated",
            ) from error
        application.decision = Application.Decision.SELECTED
        application.waitlist_group = None
        application.save(update_fields=["decision", "waitlist_group"])
    log_security_event(
        "recruitment decision", application=application.pk, decision="selected", group=group_id
    )
    return membership


def _decide(
    *, application: Application, decision: str, waitlist_group_id: int | None = None
) -> Application:
    with transaction.atomic():
        application = _fresh(application)
        lock_quotas(application.preference_ids)
        ensure_selection_allowed(application.call)
        Membership.objects.filter(application=application).delete()
        application.decision = decision
        application.waitlist_group_id = waitlist_group_id
        application.save(update_fields=["decision", "waitlist_group"])
    log_security_event("recruitment decision", application=application.pk, decision=decision)
    return application


def remove_placement(*, application: Application) -> Application:
    """Take the applicant out of their seat; the application is undecided again."""
    return _decide(application=application, decision=Application.Decision.PENDING)


def release_seat(*, membership: Membership, call: RecruitmentCall) -> None:
    """Free a seat an earlier call filled (its member left), so that `call` can fill it.

    A seat of `call` itself goes back through `remove_placement` (its application is
    undecided again); one of an earlier call has no application of this call to return to,
    so the membership ends.
    """
    with transaction.atomic():
        lock_quotas([membership.group_id])
        ensure_selection_allowed(locked_call(call.pk))
        membership = Membership.objects.select_related("application").get(pk=membership.pk)
        if membership.application is not None and membership.application.call_id == call.pk:
            remove_placement(application=membership.application)
            return
        Membership.objects.filter(pk=membership.pk).delete()
    log_security_event(
        "seat released",
        call=call.pk,
        group=membership.group_id,
        seat=membership.seat,
        target_user=membership.user_id,
    )


def waitlist_applicant(*, application: Application, group_id: int | None = None) -> Application:
    """Put the applicant on the waiting list of one of their groups (their first choice)."""
    group_id = group_id or application.first_choice_id
    if group_id not in application.preference_ids:
        raise SelectionRefused(
            _("%(name)s did not apply to this group.") % {"name": application.full_name},
            code="not_a_preference",
        )
    return _decide(
        application=application,
        decision=Application.Decision.WAITLISTED,
        waitlist_group_id=group_id,
    )


def reject_applicant(*, application: Application) -> Application:
    return _decide(application=application, decision=Application.Decision.REJECTED)


# --- Announcing and telling the applicants -------------------------------------------------


def announce_selection(*, call: RecruitmentCall, now: dt.datetime | None = None) -> int:
    """Seats become active, undecided applications are not selected, every applicant is told.

    Returns the number of applicants to be e-mailed; the e-mails go after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        call = locked_call(call.pk)
        ensure_selection_allowed(call, now)
        lock_quotas(call.groups.values_list("pk", flat=True))
        call.memberships.update(active=True)
        call.applications.filter(decision=Application.Decision.PENDING).update(
            decision=Application.Decision.REJECTED
        )
        call.announced_at = now
        call.save(update_fields=["announced_at"])
        log_security_event("recruitment announced", call=call.pk)
        to_tell = list(
            call.applications.filter(notified_at__isnull=True).values_list("pk", flat=True)
        )
        for application_id in to_tell:
            enqueue_notification(application_id)
    return len(to_tell)


def enqueue_notification(application_id: int) -> None:
    """Send the decision e-mail task once the transaction commits.

    If the broker is down the decision is already stored; the failure is logged and the
    selection page offers to send the e-mails still unsent (`resend_notifications`).
    """
    send_after_commit(
        tasks.notify_applicant, application_id, fallback="the selection page offers to resend it"
    )


def resend_notifications(*, call: RecruitmentCall) -> int:
    """Enqueue the e-mails of an announced call that have not gone out yet."""
    with transaction.atomic():
        pending = list(
            Application.objects.filter(
                call_id=call.pk, call__announced_at__isnull=False, notified_at__isnull=True
            ).values_list("pk", flat=True)
        )
        for application_id in pending:
            enqueue_notification(application_id)
    return len(pending)
