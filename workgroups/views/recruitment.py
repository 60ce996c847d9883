"""Recruitment pages: the public groups and their rosters, calls and applying to one, and the
editors' calls, seat quotas, review of applications, selection and recorded draws.

Every selection step is a plain form post that redirects back to the selection page with
a message; a step the rules refuse (a full seat, a person already seated) says why and
changes nothing. An application is always found by (call, signed-in person), never by a
number from the address or the form, so nobody can edit another person's application.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.access import permission_required
from core.confirm import confirmation_page, confirmed
from core.http import signed_in_user
from core.params import parse_number
from stages.markdown import render_markdown

from ..forms.recruitment import (
    ApplicationFilterForm,
    ApplicationForm,
    CallForm,
    NotesForm,
    PlaceForm,
    QuotaForm,
)
from ..models import (
    Application,
    Membership,
    Recommendation,
    RecruitmentCall,
    Seat,
    SeatQuota,
    SelectionDraw,
    WorkingGroup,
)
from ..selectors import (
    SEAT_ORDER,
    count_taken,
    seat_label,
    seat_rows,
    seats_by_kind,
    taken_seats,
)
from ..services import recruitment as services
from ..services.recruitment import CallNotOpen, SelectionRefused
from ..services.selection import propose_selection, recheck_draw

MANAGE = "workgroups.manage_recruitment"
APPLICATIONS_PER_PAGE = 50


def _groups_with_quotas() -> QuerySet[WorkingGroup]:
    return WorkingGroup.objects.select_related("area").prefetch_related(
        Prefetch("quotas", queryset=SeatQuota.objects.order_by("pk"))
    )


# --- Public: groups and rosters --------------------------------------------------------------


def group_list(request: HttpRequest) -> HttpResponse:
    groups = list(_groups_with_quotas())
    taken = taken_seats([group.pk for group in groups], active_only=True)
    now = timezone.now()
    rows = []
    for group in groups:
        seats = seat_rows(group, taken)
        rows.append(
            {
                "group": group,
                "seats": sum(row.seats for row in seats),
                "filled": sum(row.filled for row in seats),
            }
        )
    open_calls = list(RecruitmentCall.objects.filter(opens_at__lte=now, closes_at__gt=now))
    return render(
        request,
        "workgroups/recruitment/group_list.html",
        {"rows": rows, "open_calls": open_calls},
    )


def roster_of(group: WorkingGroup) -> list[dict[str, str]]:
    """Active members who consented to publication: name, sector and role.

    A seat from a recruitment shows only with the application's consent; the public name is
    copied from the application only with it (and empty otherwise).
    """
    memberships = (
        group.memberships.active()
        .exclude(public_name="")
        .exclude(application__consent_to_publish=False)
        .select_related("application")
    )
    roster = []
    for membership in sorted(memberships, key=lambda m: (SEAT_ORDER.index(m.seat), m.public_name)):
        if membership.seat == Seat.LEADER:
            sector = membership.application.get_sector_display() if membership.application else ""
            role = _("leader")
        else:
            sector = membership.get_seat_display()
            role = _("member")
        roster.append({"name": membership.public_name, "sector": str(sector), "role": str(role)})
    return roster


def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = get_object_or_404(_groups_with_quotas(), slug=slug)
    taken = taken_seats([group.pk], active_only=True)
    now = timezone.now()
    return render(
        request,
        "workgroups/recruitment/group_detail.html",
        {
            "group": group,
            "area_description": group.area.localized("description"),
            "seats": seat_rows(group, taken),
            "roster": roster_of(group),
            "recommendations": list(
                Recommendation.objects.published().filter(group=group).order_by("number")
            ),
            "open_calls": list(
                group.calls.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at")
            ),
        },
    )


# --- Public: calls and applying --------------------------------------------------------------


def _own_application(request: HttpRequest, call: RecruitmentCall) -> Application | None:
    if not request.user.is_authenticated:
        return None
    return (
        Application.objects.select_related(
            "first_choice__area", "second_choice__area", "third_choice__area"
        )
        .filter(call=call, applicant=signed_in_user(request))
        .first()
    )


def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(RecruitmentCall, pk=pk)
    return render(
        request,
        "workgroups/recruitment/call_detail.html",
        {
            "call": call,
            "text": render_markdown(call.text),
            "groups": list(call.groups.select_related("area")),
            "application": _own_application(request, call),
            "now": timezone.now(),
        },
    )


def apply(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Create or edit one's own application while the call is open; read-only after."""
    call = get_object_or_404(RecruitmentCall, pk=pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    application = _own_application(request, call)
    if not request.user.has_perm("workgroups.apply", call):
        # Not open: say when it opens or that it closed, show what was sent, take nothing.
        status = 403 if request.method == "POST" else 200
        return _closed_page(request, call, application, status=status)
    if request.method == "POST":
        form = ApplicationForm(request.POST, call=call)
        if form.is_valid():
            try:
                _saved, created = services.submit_application(
                    call=call, applicant=signed_in_user(request), **form.cleaned_data
                )
            except CallNotOpen:
                return _closed_page(request, call, application, status=403)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Your application is saved. You can change it until the call closes.")
                    if created
                    else _("Your changes are saved."),
                )
                return redirect("workgroups:apply", pk=call.pk)
    else:
        initial = ApplicationForm.initial_for(application) if application else {}
        if application is None:
            user = signed_in_user(request)
            initial["full_name"] = user.get_full_name() or user.display_name
        form = ApplicationForm(initial=initial, call=call)
    return render(
        request,
        "workgroups/recruitment/apply.html",
        {"call": call, "form": form, "application": application},
        status=422 if form.errors else 200,
    )


def _closed_page(
    request: HttpRequest, call: RecruitmentCall, application: Application | None, *, status: int
) -> HttpResponse:
    return render(
        request,
        "workgroups/recruitment/apply_closed.html",
        {
            "call": call,
            "application": application,
            "not_yet_open": not call.has_closed() and not call.is_open(),
        },
        status=status,
    )


# --- Staff: calls and quotas -----------------------------------------------------------------


@permission_required(MANAGE)
def call_staff_list(request: HttpRequest) -> HttpResponse:
    calls = RecruitmentCall.objects.annotate(
        application_count=Count("applications", distinct=True),
        group_count=Count("groups", distinct=True),
    ).order_by("-opens_at", "-pk")
    return render(
        request,
        "workgroups/recruitment/call_staff_list.html",
        {"calls": list(calls), "groups": list(_groups_with_quotas()), "now": timezone.now()},
    )


@permission_required(MANAGE)
def call_create(request: HttpRequest) -> HttpResponse:
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.open_call(created_by=signed_in_user(request), **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Call “%(title)s” saved.") % {"title": call.title})
            return redirect("workgroups:call_staff_list")
    return render(request, "workgroups/recruitment/call_form.html", {"form": form, "call": None})


@permission_required(MANAGE)
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(RecruitmentCall, pk=pk)
    if request.method == "POST":
        form = CallForm(request.POST)
        if form.is_valid():
            try:
                services.edit_call(call=call, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Call “%(title)s” saved.") % {"title": call.title})
                return redirect("workgroups:call_staff_list")
    else:
        form = CallForm(initial=CallForm.initial_for(call))
    return render(request, "workgroups/recruitment/call_form.html", {"form": form, "call": call})


def _add_errors(form: Any, error: ValidationError) -> None:
    """A service's refusal on the form: on the field it names, above the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@permission_required(MANAGE)
def quota_edit(request: HttpRequest, slug: str) -> HttpResponse:
    group = get_object_or_404(_groups_with_quotas(), slug=slug)
    current = seats_by_kind((quota.seat, quota.seats) for quota in group.quotas.all())
    form = QuotaForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_quotas(group=group, seats=form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("Seats of the group “%(group)s” saved.") % {"group": group.name}
            )
            return redirect("workgroups:call_staff_list")
    # Seats placed but not yet announced count: they cannot be given away.
    taken = taken_seats([group.pk])
    return render(
        request,
        "workgroups/recruitment/quota_form.html",
        {"group": group, "form": form, "seats": seat_rows(group, taken)},
    )


# --- Staff: reviewing applications -----------------------------------------------------------


def _applications_for_rows(call: RecruitmentCall) -> QuerySet[Application]:
    return call.applications.select_related(
        "applicant",
        "first_choice__area",
        "second_choice__area",
        "third_choice__area",
        "waitlist_group__area",
    ).order_by("submitted_at", "pk")


@permission_required(MANAGE)
def application_list(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(RecruitmentCall, pk=pk)
    filters = ApplicationFilterForm(request.GET or None, call=call)
    applications = filters.apply(_applications_for_rows(call))
    page = Paginator(applications, APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workgroups/recruitment/application_list.html",
        {
            "call": call,
            "filters": filters,
            "page_obj": page,
            "applications": page.object_list,
            "query": query.urlencode(),
            "next_url": request.get_full_path(),
        },
    )


@require_POST
@permission_required(MANAGE)
def application_notes(request: HttpRequest, pk: int, application_pk: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=application_pk, call_id=pk)
    form = NotesForm(request.POST)
    if form.is_valid():
        services.save_review_notes(application=application, notes=form.cleaned_data["review_notes"])
        messages.success(request, _("Notes on %(name)s saved.") % {"name": application.full_name})
    next_url = request.POST.get("next", "")
    list_url = reverse("workgroups:application_list", kwargs={"pk": pk})
    return redirect(next_url if next_url.startswith(list_url) else list_url)


# --- Staff: selection ------------------------------------------------------------------------


def seat_options(
    application: Application, free: dict[tuple[int, str], int]
) -> list[tuple[str, str]]:
    """The seats the applicant may take: in each group they chose, the leader's if they offered
    to lead, and one of their sector. Full seats are listed too, marked, so that the refusal
    can say why."""
    options = []
    for group in application.preferences:
        kinds = ([Seat.LEADER.value] if application.wants_to_lead else []) + [application.sector]
        for kind in kinds:
            left = free.get((group.pk, kind), 0)
            label = _("%(group)s — %(seat)s (%(free)d free)") % {
                "group": group.name,
                "seat": seat_label(kind),
                "free": left,
            }
            options.append((f"{group.pk}:{kind}", label))
    return options


@permission_required(MANAGE)
def selection(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(RecruitmentCall, pk=pk)
    if request.method == "POST":
        return _selection_step(request, call)
    groups = list(
        call.groups.select_related("area")
        .prefetch_related(Prefetch("quotas", queryset=SeatQuota.objects.order_by("pk")))
        .order_by("area__number")
    )
    group_ids = [group.pk for group in groups]
    memberships = list(
        Membership.objects.filter(group_id__in=group_ids)
        .select_related("application", "user")
        .order_by("group", "seat", "pk")
    )
    seated: dict[int, list[Membership]] = defaultdict(list)
    for membership in memberships:
        seated[membership.group_id].append(membership)
    taken = count_taken(memberships)
    tables = []
    free: dict[tuple[int, str], int] = {}
    for group in groups:
        rows = seat_rows(group, taken)
        free.update({(group.pk, row.kind): row.free for row in rows})
        tables.append({"group": group, "rows": rows, "members": seated[group.pk]})
    undecided = [
        {"application": application, "options": seat_options(application, free)}
        for application in _applications_for_rows(call).exclude(
            decision=Application.Decision.SELECTED
        )
    ]
    return render(
        request,
        "workgroups/recruitment/selection.html",
        {
            "call": call,
            "tables": tables,
            "undecided": undecided,
            "draws": list(call.draws.select_related("drawn_by")[:10]),
            "can_select": call.has_closed() and call.announced_at is None,
            "unsent": call.applications.filter(notified_at__isnull=True).count()
            if call.announced_at
            else 0,
        },
    )


def _selection_step(request: HttpRequest, call: RecruitmentCall) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        if action == "propose":
            draw = propose_selection(call=call, editor=signed_in_user(request))
            messages.success(
                request,
                _("Selection proposed (draw %(seed)d): %(placed)d placed, %(waiting)d waitlisted.")
                % {
                    "seed": draw.seed,
                    "placed": len(draw.result["placements"]),
                    "waiting": len(draw.result["waitlist"]),
                },
            )
        elif action == "announce":
            if not confirmed(request):
                return _confirm_announcement(request, call)
            told = services.announce_selection(call=call)
            messages.success(
                request,
                _("Selection announced; %(count)d applicants are being e-mailed.")
                % {"count": told},
            )
        elif action == "resend":
            count = services.resend_notifications(call=call)
            messages.success(request, _("%(count)d e-mails sent again.") % {"count": count})
        else:
            _application_step(request, call, action)
    except SelectionRefused as refusal:
        messages.error(request, str(refusal))
    return redirect("workgroups:selection", pk=call.pk)


def _release_step(request: HttpRequest, call: RecruitmentCall) -> None:
    """ "Remove" on a seated person: of this call or of an earlier one (its seat is freed)."""
    membership = get_object_or_404(
        Membership.objects.select_related("application"),
        pk=parse_number(request.POST.get("membership", "")) or 0,
        group__in=call.groups.all(),
    )
    name = membership.public_name or (
        membership.application.full_name if membership.application else str(membership.user)
    )
    services.release_seat(membership=membership, call=call)
    messages.success(request, _("%(name)s removed from the seat.") % {"name": name})


@permission_required(MANAGE)
def announce(request: HttpRequest, pk: int) -> HttpResponse:
    """What announcing the selection does, and the button that does it (on the selection
    page's address, as its other steps)."""
    call = get_object_or_404(RecruitmentCall, pk=pk)
    try:
        services.ensure_selection_allowed(call)
    except SelectionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("workgroups:selection", pk=call.pk)
    return _confirm_announcement(request, call)


def _confirm_announcement(request: HttpRequest, call: RecruitmentCall) -> HttpResponse:
    counts = call.applications.aggregate(
        total=Count("pk"),
        placed=Count("pk", filter=Q(membership__isnull=False)),
        undecided=Count("pk", filter=Q(decision=Application.Decision.PENDING)),
    )
    return confirmation_page(
        request,
        title=_("Announce the selection of “%(title)s”?") % {"title": call.title},
        consequences=[
            ngettext(
                "%(placed)d placed applicant becomes a member: the seat and workspace open.",
                "%(placed)d placed applicants become members: their seats and workspaces open.",
                counts["placed"],
            )
            % counts,
            ngettext(
                "%(undecided)d application still undecided is marked not selected.",
                "%(undecided)d applications still undecided are marked not selected.",
                counts["undecided"],
            )
            % counts,
            ngettext(
                "The applicant is e-mailed the decision.",
                "Every applicant (%(total)d) is e-mailed the decision.",
                counts["total"],
            )
            % counts,
            _("The selection cannot be changed afterwards."),
        ],
        action=reverse("workgroups:selection", args=[call.pk]),
        hidden=[("action", "announce")],
        button=_("Announce and e-mail the applicants"),
        cancel_url=reverse("workgroups:selection", args=[call.pk]),
    )


def _application_step(request: HttpRequest, call: RecruitmentCall, action: str) -> None:
    if action == "remove" and "membership" in request.POST:
        _release_step(request, call)
        return
    application_pk = request.POST.get("application", "")
    application = get_object_or_404(
        Application.objects.select_related(
            "first_choice__area", "second_choice__area", "third_choice__area"
        ),
        pk=parse_number(application_pk) or 0,
        call=call,
    )
    name = {"name": application.full_name}
    if action == "place":
        form = PlaceForm(request.POST, options=seat_options(application, {}))
        if not form.is_valid():
            raise SelectionRefused(
                _("Choose one of the seats %(name)s applied for.") % name, code="bad_seat"
            )
        group_id, seat = form.target()
        services.place_applicant(application=application, group_id=group_id, seat=seat)
        messages.success(request, _("%(name)s placed.") % name)
    elif action == "remove":
        services.remove_placement(application=application)
        messages.success(request, _("%(name)s removed from the seat.") % name)
    elif action == "waitlist":
        services.waitlist_applicant(application=application)
        messages.success(request, _("%(name)s is on the waiting list.") % name)
    elif action == "reject":
        services.reject_applicant(application=application)
        messages.success(request, _("%(name)s is not selected.") % name)
    else:
        raise SelectionRefused(_("Unknown action."), code="unknown_action")


@permission_required(MANAGE)
def draw_detail(request: HttpRequest, pk: int, draw_pk: int) -> HttpResponse:
    draw = get_object_or_404(
        SelectionDraw.objects.select_related("call", "drawn_by"), pk=draw_pk, call_id=pk
    )
    check = recheck_draw(draw)
    ids = [item["application"] for item in draw.result.get("placements", [])]
    ids += [item["application"] for item in draw.result.get("waitlist", [])]
    names = dict(Application.objects.filter(pk__in=ids).values_list("pk", "full_name"))
    groups = {
        group.pk: group.name
        for group in WorkingGroup.objects.filter(
            Q(pk__in=[item["group"] for item in draw.result.get("placements", [])])
            | Q(pk__in=[item["group"] for item in draw.result.get("waitlist", [])])
        ).select_related("area")
    }
    placements = [
        {
            "application": item["application"],
            "name": names.get(item["application"], "—"),
            "group": groups.get(item["group"], "—"),
            "seat": seat_label(item["seat"]),
        }
        for item in draw.result.get("placements", [])
    ]
    waitlist = [
        {
            "application": item["application"],
            "name": names.get(item["application"], "—"),
            "group": groups.get(item["group"], "—"),
        }
        for item in draw.result.get("waitlist", [])
    ]
    return render(
        request,
        "workgroups/recruitment/draw_detail.html",
        {
            "draw": draw,
            "call": draw.call,
            "matches": check.matches,
            "placements": placements,
            "waitlist": waitlist,
            "lottery": draw.result.get("lottery", []),
        },
    )
