"""Residents read a consulted document and comment on it section by section.

There is no text to select: after every section a link leads to its page with the comments
and the form, so commenting works by keyboard, on a phone and without JavaScript.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.http import user_or_none
from opinions.services import submission
from stages.models import Consultation, DocumentVersion, Section

from .. import browsers, consultation_document, ratelimit
from ..answers import selectors
from ..forms.consultation import SectionCommentForm
from ..models import Event

COMMENTS_PER_PAGE = 25


def _consultation(slug: str) -> Consultation:
    consultation = get_object_or_404(Consultation, slug=slug)
    if not consultation.takes_comments_on_sections:
        raise Http404("not a consultation of a document")
    return consultation


def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The consultation: deadline, how to comment, meetings, and the document to read."""
    consultation = get_object_or_404(Consultation, slug=slug)
    if consultation.kind == Consultation.Kind.OPEN_QUESTION:
        return redirect("opinions:answer", slug=slug)
    versions = selectors.published_versions(consultation)
    version = _chosen_version(request, versions)
    state = consultation.status_at()
    is_latest = version is not None and version == versions[-1]
    document = (
        consultation_document.document_html(
            version=version,
            sections=selectors.sections_of(version),
            takes_comments=state == Consultation.Status.OPEN and is_latest,
        )
        if version
        else ""
    )
    context = {
        "consultation": consultation,
        "state": state,
        "versions": versions,
        "version": version,
        "is_latest": is_latest,
        "document": document,
        "events": list(Event.objects.filter(consultation=consultation).order_by("held_on")),
        "report_published": state == Consultation.Status.CLOSED
        and consultation.consultation_reports.published().exists(),
        "can_answer": request.user.has_perm("opinions.answer_comments"),
    }
    return render(request, "opinions/consultations/detail.html", context)


def _chosen_version(
    request: HttpRequest, versions: list[DocumentVersion]
) -> DocumentVersion | None:
    if not versions:
        return None
    wanted = request.GET.get("version", "")
    chosen = next((v for v in versions if str(v.number) == wanted), None)
    return chosen or versions[-1]


def section_detail(request: HttpRequest, slug: str, version: int, key: str) -> HttpResponse:
    """One section: its text, its published comments with their answers, and the form."""
    consultation = _consultation(slug)
    section = get_object_or_404(
        Section.objects.select_related("version", "parent"),
        version__consultation=consultation,
        version__number=version,
        version__status=DocumentVersion.Status.PUBLISHED,
        key=key,
    )
    # The same rows the page already has: no query for each link it draws.
    section.version.consultation = consultation
    if section.parent is not None:
        section.parent.version = section.version
    state = consultation.status_at()
    latest = consultation.document_versions.published().order_by("-number").first()
    takes_comments = state == Consultation.Status.OPEN and latest == section.version
    form = None
    if takes_comments:
        if request.method == "POST":
            return _comment(request, consultation, section)
        form = SectionCommentForm(initial={"submission_key": uuid.uuid4()})
    elif request.method == "POST":
        return _render_section(request, consultation, section, None, state=state, status=409)
    response = _render_section(request, consultation, section, form, state=state)
    browsers.give_visitor_cookie(request, response)
    return response


def _comment(request: HttpRequest, consultation: Consultation, section: Section) -> HttpResponse:
    form = SectionCommentForm(request.POST)
    state = consultation.status_at()
    if not form.is_valid():
        return _render_section(request, consultation, section, form, state=state)
    decision = ratelimit.register_submission(request, scope="opinion")
    if not decision.allowed:
        response = _render_section(
            request,
            consultation,
            section,
            form,
            state=state,
            retry_after=decision.retry_after,
            status=429,
        )
        response.headers["Retry-After"] = str(decision.retry_after)
        return response
    data = form.cleaned_data
    try:
        opinion, created = submission.submit_opinion(
            consultation=consultation,
            text=data["text"],
            author_email=data["email"],
            author=user_or_none(request),
            submission_key=browsers.bound_submission_key(request, data["submission_key"]),
            is_suspected_spam=form.is_suspected_spam,
            comment=submission.SectionComment(
                section=section,
                proposed_wording=data["proposed_wording"],
                justification=data["justification"],
                submitter_kind=data["submitter_kind"],
                organisation=data["organisation"],
            ),
        )
    except submission.ConsultationClosed as closed:
        # It closed while the comment was being written: say so, and give the text back.
        return _render_section(
            request,
            consultation,
            section,
            None,
            state=closed.status,
            status=409,
            typed_text=data["text"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_section(request, consultation, section, form, state=state)
    if created:
        messages.success(
            request,
            _(
                "Thank you! Your comment has been received. The moderators will read it soon; "
                "this page shows what happens to it, and the answer once it is given."
            ),
        )
    else:
        messages.info(request, _("This comment had already been received; here it is."))
    return redirect(opinion.get_tracking_url())


def _render_section(
    request: HttpRequest,
    consultation: Consultation,
    section: Section,
    form: SectionCommentForm | None,
    *,
    state: str,
    retry_after: int = 0,
    status: int = 200,
    typed_text: str = "",
) -> HttpResponse:
    paginator = Paginator(selectors.published_comments(section), COMMENTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    if not typed_text and request.method == "POST" and form is None:
        typed_text = request.POST.get("text", "")
    context = {
        "consultation": consultation,
        "section": section,
        "version": section.version,
        "form": form,
        "state": state,
        "page_obj": page,
        "comments": page.object_list,
        "rate_limit_minutes": -(-retry_after // 60) if retry_after else 0,
        "typed_text": typed_text,
    }
    return render(request, "opinions/consultations/section.html", context, status=status)
