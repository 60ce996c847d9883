"""The answer queue: moderators answer every comment of a consultation, editors approve and
publish the answers. Plain forms (no JavaScript needed); shortcuts in static/js/answer-queue.js.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import paging
from core.access import permission_required
from core.html import option_pairs
from core.params import parse_number, parse_numbers
from stages.models import Consultation, DocumentVersion, Section

from ..answers import services
from ..answers.models import ConsultationAnswer
from ..answers.services import NOT_ANSWERED, Seen
from ..forms.answers import AnswerFilterForm, AnswerForm
from ..models import Opinion

ANSWER = "opinions.answer_comments"
APPROVE = "opinions.approve_answers"
PER_PAGE = 50
MAX_SELECTED = 500
# A section's heading in the queue's filter: the select is as wide as the page allows.
SECTION_FILTER_CHARS = 60


def _consultation(slug: str) -> Consultation:
    return get_object_or_404(
        Consultation.objects.filter(
            kind__in=[Consultation.Kind.DOCUMENT, Consultation.Kind.RECOMMENDATIONS]
        ),
        slug=slug,
    )


def _filtered(consultation: Consultation, form: AnswerFilterForm) -> QuerySet[Opinion]:
    comments = (
        Opinion.objects.filter(consultation=consultation, status=Opinion.Status.PUBLISHED)
        .select_related("section", "answer")
        .order_by("section__position", "created_at", "pk")
    )
    data = form.cleaned_data if form.is_valid() else {}
    state = data.get("state") or "unanswered"
    if state == "unanswered":
        comments = comments.filter(answer__isnull=True)
    elif state != "all":
        comments = comments.filter(answer__status=state)
    if data.get("section") == "-":
        comments = comments.filter(section__isnull=True)
    elif data.get("section"):
        comments = comments.filter(section__key=data["section"])
    if data.get("decision"):
        comments = comments.filter(answer__decision=data["decision"])
    organisation = (data.get("organisation") or "").strip()
    if organisation == "*":
        comments = comments.exclude(organisation="")
    elif organisation:
        comments = comments.filter(organisation__icontains=organisation)
    return comments


def _section_choices(
    consultation: Consultation,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The sections of the latest published version (the queue's filter: key and label) and,
    for an
    answer's "changed section", those of every version after the first published one,
    drafts included: the next version is drafted while the comments are answered, and
    published only once they are."""
    rows: list[tuple[int, str, str, str, int, str]] = list(
        Section.objects.filter(version__consultation=consultation)
        .order_by("version__number", "position")
        .values_list("pk", "key", "number", "heading", "version__number", "version__status")
    )
    published = [row[4] for row in rows if row[5] == DocumentVersion.Status.PUBLISHED]
    latest = max(published, default=0)
    first = min(published, default=0)
    # Pairs, not Section rows: a model instance per section cost more than the query (200
    # sections on every load of the queue).
    current = [
        (key, f"§{number} {_shortened(heading)}")
        for _pk, key, number, heading, version, _status in rows
        if version == latest and published
    ]
    later = [
        (str(pk), _section_choice(number, heading, version, status))
        for pk, _key, number, heading, version, status in rows
        if published and version > first
    ]
    return current, later


def _shortened(heading: str, limit: int = SECTION_FILTER_CHARS) -> str:
    """The heading whole if it is short, else its words that fit in `limit` characters and
    "…" (a word cut in two reads as another word)."""
    if len(heading) <= limit:
        return heading
    cut = heading[:limit]
    # Unless a word ends at the limit, drop the cut one (any whitespace splits words: the
    # no-break space after "i", "w" too); a single word longer than the limit is cut anyway.
    words = cut.rsplit(maxsplit=1)
    if not heading[limit].isspace() and len(words) == 2:
        cut = words[0]
    return cut.rstrip(" ,;:.-–—\u00a0") + "…"


def _section_choice(number: str, heading: str, version: int, status: str) -> str:
    if status == DocumentVersion.Status.DRAFT:
        return _("§%(number)s %(heading)s (v%(version)s, draft)") % {
            "number": number,
            "heading": heading,
            "version": version,
        }
    return f"§{number} {heading} (v{version})"


@permission_required(ANSWER)
def answer_queue(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _consultation(slug)
    return _render_queue(request, consultation)


def _render_queue(
    request: HttpRequest,
    consultation: Consultation,
    *,
    answer_form: AnswerForm | None = None,
    selected: set[int] | None = None,
    conflict: list[Opinion] | None = None,
    status: int = 200,
) -> HttpResponse:
    # After a refused answer (a POST), the filters the moderator was working under.
    query = request.GET if request.method == "GET" else QueryDict(request.POST.get("query", ""))
    # Its own ids: the answer form on the same page has a "decision" field too.
    filters = AnswerFilterForm(query, auto_id="filter-%s")
    sections, later_sections = _section_choices(consultation)
    comments = _filtered(consultation, filters)
    # The page's ids first, from the index opinion_consultation_answer alone, then its rows:
    # sorting thousands of whole rows by section was most of the page on PostgreSQL.
    page = paging.IdsFirstPaginator(comments, PER_PAGE, count=comments.count()).get_page(
        request.GET.get("page")
    )
    # The comments a conflict was about come first, as they are now, to be answered again.
    shown = [*(conflict or []), *(c for c in page.object_list if c not in (conflict or []))]
    rows = [{"comment": c, "seen": _seen_value(services.seen_state(c))} for c in shown]
    can_approve = request.user.has_perm(APPROVE)
    waiting = (
        list(
            ConsultationAnswer.objects.filter(
                consultation=consultation,
                status__in=[ConsultationAnswer.Status.DRAFT, ConsultationAnswer.Status.APPROVED],
            ).order_by("status", "pk")[:200]
        )
        if can_approve
        else []
    )
    context: dict[str, Any] = {
        "consultation": consultation,
        "filters": filters,
        "section_options": option_pairs([("-", _("the document as a whole")), *sections]),
        "page_obj": page,
        "rows": rows,
        "form": answer_form or AnswerForm(section_choices=later_sections),
        "selected": selected or set(),
        "conflict": conflict or [],
        "unanswered": services.unanswered_comments(consultation),
        "report_due_at": consultation.report_due_at,
        "days_left": (consultation.report_due_at - timezone.now()).days,
        "can_approve": can_approve,
        "waiting": waiting,
        # All of them, as publishing takes all (the list above shows the first 200).
        "approved_count": (
            ConsultationAnswer.objects.filter(
                consultation=consultation, status=ConsultationAnswer.Status.APPROVED
            ).count()
            if can_approve
            else 0
        ),
        "query": query.urlencode(),
    }
    return render(request, "opinions/answers/queue.html", context, status=status)


def _seen_value(seen: Seen) -> str:
    answer_id, version = seen
    return "-" if answer_id is None else f"{answer_id}:{version}"


def _parse_seen(raw: str) -> Seen:
    answer_id, _sep, version = raw.partition(":")
    parsed_id, parsed_version = parse_number(answer_id), parse_number(version)
    if parsed_id is None or parsed_version is None:
        return NOT_ANSWERED
    return (parsed_id, parsed_version)


@require_POST
@permission_required(ANSWER)
def answer_post(request: HttpRequest, slug: str) -> HttpResponseBase:
    consultation = _consultation(slug)
    _sections, later_sections = _section_choices(consultation)
    form = AnswerForm(request.POST, section_choices=later_sections)
    ids = parse_numbers(request.POST.getlist("comment"), limit=MAX_SELECTED)
    selected = set(ids)
    if not ids:
        form.is_valid()
        form.add_error(None, _("Select at least one comment to answer."))
    if not form.is_valid():
        return _render_queue(request, consultation, answer_form=form, selected=selected, status=400)
    seen = {pk: _parse_seen(request.POST.get(f"seen-{pk}", "-")) for pk in ids}
    changed = form.cleaned_data["changed_section"]
    try:
        services.answer_comments(
            consultation=consultation,
            comment_ids=ids,
            seen=seen,
            decision=form.cleaned_data["decision"],
            justification=form.cleaned_data["justification"],
            changed_section=Section.objects.filter(pk=changed).first() if changed else None,
            user=request.user,  # type: ignore[arg-type]
        )
    except services.AnswerConflict as conflict:
        # What was typed stays in the form; the colleague's answer is shown beside it.
        return _render_queue(
            request,
            consultation,
            answer_form=form,
            selected=selected,
            conflict=conflict.changed,
            status=409,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_queue(request, consultation, answer_form=form, selected=selected, status=400)
    messages.success(
        request,
        _("The answer was saved as a draft for %(count)d comment(s).") % {"count": len(ids)},
    )
    return redirect(_back(request, consultation))


def _back(request: HttpRequest, consultation: Consultation) -> str:
    query = request.POST.get("query", "")
    url = reverse("opinions:answer_queue", args=[consultation.slug])
    return f"{url}?{query}" if query else url


@require_POST
@permission_required(APPROVE)
def answer_approve(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    consultation = _consultation(slug)
    answer = get_object_or_404(ConsultationAnswer, pk=pk, consultation=consultation)
    version = parse_number(request.POST.get("version", ""))
    try:
        if request.POST.get("action") == "return":
            services.return_answer(answer=answer, user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("The answer went back to the drafts."))
        else:
            services.approve_answer(
                answer=answer,
                expected_version=version or 0,
                user=request.user,  # type: ignore[arg-type]
            )
            messages.success(request, _("The answer is approved."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_back(request, consultation))


@require_POST
@permission_required(APPROVE)
def answers_publish(request: HttpRequest, slug: str) -> HttpResponseBase:
    consultation = _consultation(slug)
    count = services.publish_answers(consultation=consultation, user=request.user)  # type: ignore[arg-type]
    if count:
        messages.success(
            request,
            _("%(count)d answer(s) published; their authors who left an address hear by e-mail.")
            % {"count": count},
        )
    else:
        messages.info(request, _("No approved answer was waiting."))
    return redirect(_back(request, consultation))
