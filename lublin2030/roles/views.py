"""The roles page (administrators): who has which role, giving and taking the staff roles,
and the log of those changes. A fixed number of queries whatever the number of people
(tests pin it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.access import permission_required
from core.audit import RoleChange, all_changes, read_role_change, role_changes
from core.collation import polish_sort_key
from core.http import signed_in_user
from core.roles import ROLE_GROUPS, ROLE_LABELS
from workgroups.models import Membership

from ..models import User
from .forms import GrantRoleForm, WithdrawRoleForm
from .services import grant_role, withdraw_role

MANAGE_ROLES = "lublin2030.manage_roles"
LOG_PAGE_SIZE = 25
FULL_LOG_PAGE_SIZE = 50
# The roles page lists staff, not residents: a few dozen people. The cap keeps the page
# bounded if a mistake gives a role to thousands.
PEOPLE_SHOWN = 500


@dataclass
class PersonRoles:
    person: User
    # (group name, what the role is called), in the order of core.roles.ROLE_GROUPS.
    roles: list[tuple[str, str]] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)


def people_with_roles() -> list[PersonRoles]:
    """Everyone with a staff role, a seat in a working group or the administrator's rights,
    in Polish alphabetical order (three queries: people, their roles, their seats)."""
    people = (
        User.objects.filter(
            Q(is_superuser=True)
            | Q(groups__name__in=ROLE_GROUPS)
            | Q(group_memberships__active=True)
        )
        .distinct()
        .order_by("pk")
        .prefetch_related(
            Prefetch("groups", queryset=Group.objects.filter(name__in=ROLE_GROUPS)),
            Prefetch(
                "group_memberships",
                queryset=Membership.objects.active().select_related("group__area"),
            ),
        )[:PEOPLE_SHOWN]
    )
    rows = [
        PersonRoles(
            person=person,
            roles=[
                (name, str(ROLE_LABELS[name]))
                for name in sorted(
                    (group.name for group in person.groups.all()), key=ROLE_GROUPS.index
                )
            ],
            memberships=list(person.group_memberships.all()),
        )
        for person in people
    ]
    return sorted(rows, key=lambda row: polish_sort_key(str(row.person)))


@dataclass(frozen=True)
class LogLine:
    entry: LogEntry
    change: RoleChange | None
    # What the role is called; the group's own name for a group no longer a role.
    role_label: str


def _log_line(entry: LogEntry) -> LogLine:
    change = read_role_change(entry)
    label = "" if change is None else str(ROLE_LABELS.get(change.role, change.role))
    return LogLine(entry=entry, change=change, role_label=label)


def _log_page(
    request: HttpRequest, entries: QuerySet[LogEntry], size: int = LOG_PAGE_SIZE
) -> tuple[Page[LogEntry], list[LogLine]]:
    page = Paginator(entries, size).get_page(request.GET.get("page"))
    return page, [_log_line(entry) for entry in page.object_list]


def _render(request: HttpRequest, form: GrantRoleForm, status: int = 200) -> HttpResponse:
    log_page, log = _log_page(request, role_changes(User))
    return render(
        request,
        "roles.html",
        {
            "people": people_with_roles(),
            "form": form,
            "log_page": log_page,
            "log": log,
        },
        status=status,
    )


@never_cache
@permission_required(MANAGE_ROLES)
def roles_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request, GrantRoleForm())
    form = GrantRoleForm(request.POST)
    if not form.is_valid():
        return _render(request, form, status=400)
    person, role = form.cleaned_data["email"], form.cleaned_data["role"]
    if grant_role(actor=signed_in_user(request), person=person, role=role):
        messages.success(
            request,
            _("%(person)s is now a %(role)s.") % {"person": person, "role": ROLE_LABELS[role]},
        )
    return redirect("roles")


@never_cache
@require_POST
@permission_required(MANAGE_ROLES)
def withdraw(request: HttpRequest) -> HttpResponse:
    form = WithdrawRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That role or person is not on the list any more."))
        return redirect("roles")
    person, role = form.cleaned_data["person"], form.cleaned_data["role"]
    if withdraw_role(actor=signed_in_user(request), person=person, role=role):
        messages.success(
            request,
            _("%(person)s is no longer a %(role)s.")
            % {"person": person, "role": ROLE_LABELS[role]},
        )
    else:
        messages.info(
            request,
            _("%(person)s was not a %(role)s.") % {"person": person, "role": ROLE_LABELS[role]},
        )
    return redirect("roles")


@never_cache
@permission_required(MANAGE_ROLES)
def change_log(request: HttpRequest) -> HttpResponse:
    """Every change logged: roles, the process' set-up, and what was changed in the admin."""
    log_page, log = _log_page(request, all_changes(), size=FULL_LOG_PAGE_SIZE)
    return render(request, "change_log.html", {"log_page": log_page, "log": log})
