"""Stage IV for verifiers: the queue of submitted recommendations and the verdicts page.

Plain forms that post and redirect (no JavaScript needed). Starting claims the
recommendation; only the verifier who started may give the verdicts. Whoever comes second
is told so and sees the recommendation as it is now, with nothing lost but the click.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import permission_required, refuse_unless
from core.http import signed_in_user

from ..forms.verification import VerdictsForm
from ..models import Recommendation, Verification
from ..services import verification as services

if TYPE_CHECKING:
    pass

VIEW_QUEUE = "workgroups.view_verification_queue"
VERIFY = "workgroups.verify_recommendation"
Status = Recommendation.Status
IN_QUEUE = (Status.SUBMITTED, Status.UNDER_VERIFICATION)


@permission_required(VIEW_QUEUE)
def verification_queue(request: HttpRequest) -> HttpResponseBase:
    open_ones = Verification.objects.filter(outcome="").select_related("verifier")
    recommendations = (
        Recommendation.objects.filter(status__in=IN_QUEUE)
        .select_related("group__area")
        .prefetch_related(Prefetch("verifications", queryset=open_ones, to_attr="open"))
        .order_by("submitted_at", "pk")
    )
    return render(
        request, "workgroups/verification/queue.html", {"recommendations": list(recommendations)}
    )


def _recommendation(pk: int) -> Recommendation:
    recommendation = get_object_or_404(
        Recommendation.objects.select_related("group__area", "current"), pk=pk
    )
    # A draft is the group's unfinished work; verifiers see what was submitted.
    if recommendation.status == Status.DRAFT or recommendation.current is None:
        raise Http404("not submitted")
    return recommendation


@permission_required(VIEW_QUEUE)
def verify(request: HttpRequest, pk: int) -> HttpResponseBase:
    recommendation = _recommendation(pk)
    current = services.open_verification(recommendation)
    form: VerdictsForm | None = None
    status = 200
    if request.method == "POST":
        if refusal := refuse_unless(request, VERIFY, recommendation):
            return refusal
        if current is None:
            messages.error(request, _("This recommendation is not under verification now."))
            return redirect("workgroups:verify", pk=recommendation.pk)
        form = VerdictsForm(request.POST)
        if form.is_valid():
            try:
                services.record_verdicts(
                    verification=current,
                    verifier=signed_in_user(request),
                    verdicts=form.verdicts(),
                    expected_version=form.cleaned_data["expected_version"],
                    negative_outcome=form.cleaned_data["negative_outcome"],
                    reasons=form.cleaned_data["reasons"],
                )
            except services.AlreadyHandled:
                messages.error(
                    request,
                    _(
                        "The verdicts were not saved: this verification was decided or taken "
                        "by someone else, or the recommendation changed. Here it is as it is now."
                    ),
                )
                return redirect("workgroups:verify", pk=recommendation.pk)
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Recommendation %(number)s: %(outcome)s.")
                    % {
                        "number": recommendation.number,
                        "outcome": Verification.Outcome(current.outcome).label,
                    },
                )
                return redirect("workgroups:verify", pk=recommendation.pk)
        status = 400
    elif current is not None and current.verifier_id == request.user.pk:
        form = VerdictsForm(initial={"expected_version": recommendation.version})
    history = (
        recommendation.verifications.exclude(outcome="")
        .select_related("verifier")
        .prefetch_related("verdicts")
        .order_by("-decided_at", "-pk")
    )
    return render(
        request,
        "workgroups/verification/verify.html",
        {
            "rec": recommendation,
            "version": recommendation.current,
            "current": current,
            "form": form,
            "history": list(history),
            "can_verify": request.user.has_perm(VERIFY, recommendation),
        },
        status=status,
    )


def _add_service_errors(form: VerdictsForm, error: ValidationError) -> None:
    """The service's errors on the form's fields (it names criteria, the form has fields)."""
    for key, texts in error.message_dict.items():
        field = key if key in form.fields else f"{key}_justification"
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


@require_POST
@permission_required(VIEW_QUEUE)
def verify_start(request: HttpRequest, pk: int) -> HttpResponseBase:
    recommendation = _recommendation(pk)
    if refusal := refuse_unless(request, VERIFY, recommendation):
        return refusal
    try:
        services.start_verification(recommendation=recommendation, verifier=signed_in_user(request))
    except services.AlreadyHandled:
        messages.error(
            request,
            _("Someone else has just started verifying this recommendation, or it was withdrawn."),
        )
    else:
        messages.success(request, _("You are verifying this recommendation now."))
    return redirect("workgroups:verify", pk=recommendation.pk)
