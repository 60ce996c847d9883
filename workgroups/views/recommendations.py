"""Recommendation pages: the editor (no-JS first), the working page, versions, comparison,
restore/submit/publish actions, and the public pages of published recommendations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.access import refuse_unless
from core.confirm import confirmation_page, confirmed
from core.http import signed_in_user
from core.params import parse_number
from opinions.models import Opinion, ThematicReport
from opinions.selectors import search_published

from ..diffing import compare_recommendations, compare_versions
from ..forms.recommendations import (
    CompareForm,
    EvidenceInput,
    OpinionSearchForm,
    RecommendationForm,
    direction_errors,
    padded,
    read_directions,
    read_evidence,
)
from ..models import (
    OpinionEvidence,
    Recommendation,
    RecommendationVersion,
    ReportEvidence,
    Verification,
    WorkingGroup,
)
from ..selectors import recommendation_consultation_section
from ..services.recommendations import (
    PUBLISHABLE,
    Cited,
    NotEditable,
    RecommendationText,
    StaleVersion,
    citable_reports,
    create_recommendation,
    publish_recommendation,
    restore_version,
    save_recommendation,
    submit_recommendation,
)

if TYPE_CHECKING:
    pass

VIEW = "workgroups.view_recommendation"
EDIT = "workgroups.edit_recommendation"
SEARCH_RESULTS = 20
TEXT_FIELDS = ("title", "vision", "diagnosis", "goals", "note")


def _recommendation(pk: int) -> Recommendation:
    return get_object_or_404(
        Recommendation.objects.select_related("group__area", "current__author"), pk=pk
    )


SUBMIT = "workgroups.submit_recommendation"


def _refuse_unless_editable(
    request: HttpRequest, recommendation: Recommendation, perm: str
) -> HttpResponseBase | None:
    """What changing a recommendation checks first: that the person may see it; that it
    can still be changed (otherwise back to its page with a word why); then `perm`."""
    if refusal := refuse_unless(request, VIEW, recommendation):
        return refusal
    if not recommendation.is_editable:
        messages.warning(request, _not_editable_message(recommendation))
        return redirect("workgroups:recommendation_detail", pk=recommendation.pk)
    return refuse_unless(request, perm, recommendation)


def _not_editable_message(recommendation: Recommendation) -> str:
    return _(
        "This recommendation is %(status)s and cannot be changed until the verifiers return it."
    ) % {"status": recommendation.get_status_display()}


def _stale_message(current: RecommendationVersion) -> str:
    who = current.author.display_name or current.author.username if current.author else _("someone")
    return _(
        "%(who)s saved version %(number)d while you were editing. Your text is kept below: "
        "compare it with theirs, merge what you need and save again."
    ) % {"who": who, "number": current.number}


# --- The editor --------------------------------------------------------------------------------


@dataclass
class CitedOpinion:
    cited: Cited
    opinion: Opinion | None


@dataclass
class CitableReport:
    report: ThematicReport
    checked: bool
    note: str


def _evidence_rows(
    group: WorkingGroup, evidence: EvidenceInput
) -> tuple[list[CitedOpinion], list[CitableReport]]:
    ids = [cited.id for cited in evidence.opinions]
    found = Opinion.objects.published().select_related("area").in_bulk(ids)
    opinions = [CitedOpinion(cited, found.get(cited.id)) for cited in evidence.opinions]
    chosen = {cited.id: cited.note for cited in evidence.reports}
    reports = [
        CitableReport(report, report.pk in chosen, chosen.get(report.pk, ""))
        for report in citable_reports(group).select_related("area").order_by("-version")
    ]
    return opinions, reports


def _search_results(
    group: WorkingGroup, search: OpinionSearchForm, exclude: list[int]
) -> list[Opinion]:
    if not search.is_valid():
        return []
    all_areas = search.cleaned_data["all_areas"]
    opinions = search_published(
        search.cleaned_data["q"].strip(), area=None if all_areas else group.area
    )
    opinions = opinions.exclude(pk__in=exclude).select_related("area")
    return list(opinions.order_by("-created_at", "-pk")[:SEARCH_RESULTS])


def _text_of(
    data: Any, directions: list[dict[str, str]], evidence: EvidenceInput
) -> RecommendationText:
    return RecommendationText(
        title=str(data.get("title", "")),
        vision=str(data.get("vision", "")),
        diagnosis=str(data.get("diagnosis", "")),
        goals=str(data.get("goals", "")),
        directions=directions,
        opinions=evidence.opinions,
        reports=evidence.reports,
    )


def _render_editor(
    request: HttpRequest,
    group: WorkingGroup,
    recommendation: Recommendation | None,
    *,
    form: RecommendationForm,
    directions: list[dict[str, str]],
    evidence: EvidenceInput,
    search: OpinionSearchForm | None = None,
    errors: list[str] | None = None,
    row_errors: dict[int, str] | None = None,
    conflict: RecommendationVersion | None = None,
    mine: RecommendationText | None = None,
    status: int = 200,
) -> HttpResponse:
    opinions, reports = _evidence_rows(group, evidence)
    searched = search is not None
    search = search or OpinionSearchForm()
    results = _search_results(group, search, [c.id for c in evidence.opinions]) if searched else []
    comparison = (
        compare_recommendations(RecommendationText.of(conflict), mine)
        if conflict is not None and mine is not None
        else None
    )
    return render(
        request,
        "workgroups/recommendations/editor.html",
        {
            "group": group,
            "recommendation": recommendation,
            "form": form,
            "directions": [
                {**row, "error": (row_errors or {}).get(index, "")}
                for index, row in enumerate(directions)
            ],
            "cited_opinions": opinions,
            "reports": reports,
            "search": search,
            "searched": searched,
            "results": results,
            "errors": [*(errors or []), *evidence.errors],
            "row_errors": row_errors or {},
            "conflict": conflict,
            "conflict_message": _stale_message(conflict) if conflict is not None else "",
            "comparison": comparison,
        },
        status=status,
    )


def _editor(
    request: HttpRequest, group: WorkingGroup, recommendation: Recommendation | None
) -> HttpResponse:
    """GET shows the text; POST either re-renders (add a direction, search, add evidence)
    keeping everything typed, or saves a new version."""
    if request.method != "POST":
        return _show_editor(request, group, recommendation)
    posted = _Posted.read(request.POST)
    action = request.POST.get("action", "save")
    if action != "save":
        return _render_editor(
            request,
            group,
            recommendation,
            form=RecommendationForm(initial=posted.typed),
            directions=padded(posted.directions, extra=1 if action == "add_direction" else 0),
            evidence=posted.evidence,
            search=OpinionSearchForm(request.POST) if action == "search" else None,
        )
    return _save_from_editor(request, group, recommendation, posted)


@dataclass(frozen=True)
class _Posted:
    """What the editor sent, kept as typed so that a re-rendered page loses nothing."""

    directions: list[dict[str, str]]
    evidence: EvidenceInput
    typed: dict[str, Any]

    @classmethod
    def read(cls, data: QueryDict) -> _Posted:
        return cls(
            directions=read_directions(data),
            evidence=read_evidence(data),
            typed={name: data.get(name, "") for name in (*TEXT_FIELDS, "expected_version")},
        )


def _show_editor(
    request: HttpRequest, group: WorkingGroup, recommendation: Recommendation | None
) -> HttpResponse:
    """The editor filled with the current version, or empty for a new recommendation."""
    initial: dict[str, Any] = {"expected_version": 0}
    text = RecommendationText(title="")
    if recommendation is not None and recommendation.current is not None:
        text = RecommendationText.of(recommendation.current)
        initial = {
            "title": text.title,
            "vision": text.vision,
            "diagnosis": text.diagnosis,
            "goals": text.goals,
            "expected_version": recommendation.version,
        }
    return _render_editor(
        request,
        group,
        recommendation,
        form=RecommendationForm(initial=initial),
        directions=padded(list(text.directions)),
        evidence=EvidenceInput(opinions=list(text.opinions), reports=list(text.reports)),
    )


def _save_from_editor(
    request: HttpRequest,
    group: WorkingGroup,
    recommendation: Recommendation | None,
    posted: _Posted,
) -> HttpResponse:
    """Save a valid text as a new version and go to the working page; otherwise show the
    editor again with the errors (or, for a version saved meanwhile, with both texts)."""
    form = RecommendationForm(request.POST)
    row_errors = direction_errors(posted.directions)
    errors: list[str] = []
    if form.is_valid() and not row_errors and not posted.evidence.errors:
        text = _text_of(form.cleaned_data, posted.directions, posted.evidence)
        try:
            saved = _save_version(request, group, recommendation, form.cleaned_data, text)
        except StaleVersion as stale:
            return _render_conflict(request, group, recommendation, posted, stale.current, text)
        except NotEditable as locked:
            messages.warning(request, _not_editable_message(locked.recommendation))
            return redirect("workgroups:recommendation_detail", pk=locked.recommendation.pk)
        except ValidationError as invalid:
            errors.extend(invalid.messages)
        else:
            messages.success(request, _("The recommendation is saved as a new version."))
            return redirect("workgroups:recommendation_detail", pk=saved.pk)
    return _render_editor(
        request,
        group,
        recommendation,
        form=form,
        directions=padded(posted.directions),
        evidence=posted.evidence,
        errors=errors,
        row_errors=row_errors,
        status=400,
    )


def _save_version(
    request: HttpRequest,
    group: WorkingGroup,
    recommendation: Recommendation | None,
    cleaned: dict[str, Any],
    text: RecommendationText,
) -> Recommendation:
    """A new recommendation with its first version, or the next version of this one."""
    author = signed_in_user(request)
    if recommendation is None:
        return create_recommendation(group=group, author=author, text=text, note=cleaned["note"])
    save_recommendation(
        recommendation_id=recommendation.pk,
        author=author,
        expected_version=cleaned["expected_version"] or 0,
        text=text,
        note=cleaned["note"],
    )
    return recommendation


def _render_conflict(
    request: HttpRequest,
    group: WorkingGroup,
    recommendation: Recommendation | None,
    posted: _Posted,
    current: RecommendationVersion,
    mine: RecommendationText,
) -> HttpResponse:
    """Someone saved a version while this one was typed: show both, ready to save over theirs."""
    return _render_editor(
        request,
        group,
        recommendation,
        form=RecommendationForm(initial={**posted.typed, "expected_version": current.number}),
        directions=padded(posted.directions),
        evidence=posted.evidence,
        conflict=current,
        mine=mine,
        status=409,
    )


def recommendation_new(request: HttpRequest, slug: str) -> HttpResponseBase:
    group = get_object_or_404(WorkingGroup.objects.select_related("area"), slug=slug)
    if refusal := refuse_unless(request, "workgroups.create_recommendation", group):
        return refusal
    return _editor(request, group, None)


def recommendation_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    recommendation = _recommendation(pk)
    if refusal := _refuse_unless_editable(request, recommendation, EDIT):
        return refusal
    return _editor(request, recommendation.group, recommendation)


# --- Reading ---------------------------------------------------------------------------------


def _decided_verifications(recommendation: Recommendation) -> list[Verification]:
    return list(
        recommendation.verifications.exclude(outcome="")
        .prefetch_related("verdicts")
        .order_by("-decided_at", "-pk")
    )


def _evidence(recommendation: Recommendation) -> dict[str, Any]:
    return {
        "opinion_evidence": list(
            OpinionEvidence.objects.filter(recommendation=recommendation)
            .select_related("opinion__area")
            .order_by("pk")
        ),
        "report_evidence": list(
            ReportEvidence.objects.filter(recommendation=recommendation)
            .select_related("report__area")
            .order_by("pk")
        ),
    }


def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The working page: current text, status, evidence, verdicts and what one may do."""
    recommendation = _recommendation(pk)
    if refusal := refuse_unless(request, VIEW, recommendation):
        return refusal
    verifications = _decided_verifications(recommendation)
    returned = next((v for v in verifications if v.outcome == Verification.Outcome.RETURNED), None)
    return render(
        request,
        "workgroups/recommendations/detail.html",
        {
            "recommendation": recommendation,
            "group": recommendation.group,
            "version": recommendation.current,
            "verifications": verifications,
            "returned": returned
            if recommendation.status == Recommendation.Status.RETURNED
            else None,
            "can_edit": recommendation.is_editable and request.user.has_perm(EDIT, recommendation),
            "can_submit": recommendation.is_editable
            and request.user.has_perm("workgroups.submit_recommendation", recommendation),
            "can_publish": recommendation.status in PUBLISHABLE
            and not recommendation.is_published
            and request.user.has_perm("workgroups.publish_recommendation", recommendation),
            **_evidence(recommendation),
        },
    )


def recommendation_versions(request: HttpRequest, pk: int) -> HttpResponseBase:
    recommendation = _recommendation(pk)
    if refusal := refuse_unless(request, VIEW, recommendation):
        return refusal
    versions = (
        RecommendationVersion.objects.filter(recommendation=recommendation)
        .select_related("author")
        .only(
            "number",
            "title",
            "note",
            "created_at",
            "restored_from",
            "recommendation_id",
            "author__username",
            "author__display_name",
        )
        .order_by("-number")
    )
    return render(
        request,
        "workgroups/recommendations/versions.html",
        {
            "recommendation": recommendation,
            "group": recommendation.group,
            "versions": versions,
            "can_restore": recommendation.is_editable
            and request.user.has_perm(EDIT, recommendation),
        },
    )


def recommendation_compare(request: HttpRequest, pk: int) -> HttpResponseBase:
    recommendation = _recommendation(pk)
    if refusal := refuse_unless(request, VIEW, recommendation):
        return refusal
    latest = recommendation.version
    data = (
        request.GET
        if "a" in request.GET or "b" in request.GET
        else {
            "a": max(latest - 1, 1),
            "b": latest,
        }
    )
    form = CompareForm(data)
    if not form.is_valid():
        return render(
            request,
            "workgroups/recommendations/compare.html",
            {"recommendation": recommendation, "group": recommendation.group, "form": form},
            status=400,
        )
    a, b = form.cleaned_data["a"], form.cleaned_data["b"]
    found = {
        v.number: v
        for v in RecommendationVersion.objects.filter(
            recommendation=recommendation, number__in={a, b}
        ).select_related("author")
    }
    if a not in found or b not in found:
        raise Http404("no such version")
    return render(
        request,
        "workgroups/recommendations/compare.html",
        {
            "recommendation": recommendation,
            "group": recommendation.group,
            "form": form,
            "old": found[a],
            "new": found[b],
            "rows": compare_versions(found[a], found[b]),
        },
    )


# --- Actions ---------------------------------------------------------------------------------


def _expected_version(request: HttpRequest) -> int | None:
    return parse_number(request.POST.get("expected_version", ""), max_digits=9)


@require_POST
def recommendation_restore(request: HttpRequest, pk: int) -> HttpResponseBase:
    recommendation = _recommendation(pk)
    if refusal := _refuse_unless_editable(request, recommendation, EDIT):
        return refusal
    number = parse_number(request.POST.get("number", ""), max_digits=9)
    expected = _expected_version(request)
    if number is None or expected is None:
        messages.error(request, _("Choose a version to restore."))
        return redirect("workgroups:recommendation_versions", pk=pk)
    try:
        version = restore_version(
            recommendation_id=pk,
            number=number,
            author=signed_in_user(request),
            expected_version=expected,
        )
    except RecommendationVersion.DoesNotExist as missing:
        raise Http404("no such version") from missing
    except StaleVersion as stale:
        messages.warning(request, _stale_message(stale.current))
        return redirect("workgroups:recommendation_versions", pk=pk)
    except NotEditable as locked:
        messages.warning(request, _not_editable_message(locked.recommendation))
        return redirect("workgroups:recommendation_detail", pk=pk)
    messages.success(
        request,
        _("Version %(old)d is restored as version %(new)d.")
        % {"old": number, "new": version.number},
    )
    return redirect("workgroups:recommendation_detail", pk=pk)


@require_http_methods(["GET", "POST"])
def recommendation_submit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """GET (or a POST without the confirm field) says what submitting does; a confirmed POST
    submits the version the leader saw."""
    recommendation = _recommendation(pk)
    if refusal := _refuse_unless_editable(
        request, recommendation, "workgroups.submit_recommendation"
    ):
        return refusal
    if not confirmed(request):
        return _confirm_submission(request, recommendation)
    try:
        submit_recommendation(
            recommendation_id=pk,
            actor=signed_in_user(request),
            expected_version=_expected_version(request),
        )
    except StaleVersion as stale:
        messages.warning(
            request,
            _("Version %(number)d was saved after you opened this page: read it, then submit.")
            % {"number": stale.current.number},
        )
    except (NotEditable, ValidationError):
        messages.warning(request, _not_editable_message(recommendation))
    else:
        messages.success(request, _("The recommendation is submitted for verification."))
    return redirect("workgroups:recommendation_detail", pk=pk)


def _confirm_submission(request: HttpRequest, recommendation: Recommendation) -> HttpResponse:
    seen = request.POST.get("expected_version") or request.GET.get("expected_version")
    version = parse_number(seen or "", max_digits=9) or recommendation.version
    return confirmation_page(
        request,
        title=_("Submit version %(number)d of “%(title)s” for verification?")
        % {"number": version, "title": recommendation.title},
        consequences=[
            _("The verifiers check it for legality, feasibility and financing."),
            _("Nobody in the group can edit it until the verifiers return it."),
            _("If someone saves a newer version before you confirm, nothing is submitted."),
        ],
        action=reverse("workgroups:recommendation_submit", args=[recommendation.pk]),
        hidden=[("expected_version", version)],
        button=_("Submit for verification"),
        cancel_url=reverse("workgroups:recommendation_detail", args=[recommendation.pk]),
    )


@require_POST
def recommendation_publish(request: HttpRequest, pk: int) -> HttpResponseBase:
    recommendation = _recommendation(pk)
    if refusal := refuse_unless(request, "workgroups.publish_recommendation", recommendation):
        return refusal
    try:
        publish_recommendation(recommendation_id=pk, actor=signed_in_user(request))
    except NotEditable:
        messages.warning(request, _("Only a verified or rejected recommendation can be published."))
        return redirect("workgroups:recommendation_detail", pk=pk)
    messages.success(request, _("The recommendation is published."))
    return redirect("workgroups:recommendation_public", pk=pk)


# --- Public pages ----------------------------------------------------------------------------


def _published() -> QuerySet[Recommendation]:
    return Recommendation.objects.published().select_related("group__area")


def recommendation_public(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(_published().select_related("current"), pk=pk)
    return render(
        request,
        "workgroups/recommendations/public.html",
        {
            "recommendation": recommendation,
            "group": recommendation.group,
            "version": recommendation.current,
            "verifications": _decided_verifications(recommendation),
            **_evidence(recommendation),
            # What it became: the goals and directions of the strategy (1 query), and where
            # residents commented on it in the recommendations' consultation (1 query).
            "strategy_links": list(
                recommendation.strategy_links.select_related("goal", "direction__goal")
            ),
            "consultation_section": recommendation_consultation_section(recommendation),
        },
    )


def recommendation_list(request: HttpRequest) -> HttpResponse:
    groups = list(
        WorkingGroup.objects.select_related("area")
        .filter(recommendations__published_at__isnull=False)
        .distinct()
    )
    chosen = next((g for g in groups if g.slug == request.GET.get("group")), None)
    recommendations = _published().order_by("group__area__number", "number")
    if chosen is not None:
        recommendations = recommendations.filter(group=chosen)
    return render(
        request,
        "workgroups/recommendations/list.html",
        {"groups": groups, "chosen": chosen, "recommendations": list(recommendations)},
    )
