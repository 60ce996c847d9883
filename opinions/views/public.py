"""The residents' pages: answer the question, follow one's opinion, browse, support, comment."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core import pagecache
from core.http import user_or_none
from opinions.services import author_mail, commenting, submission, supports
from stages.models import Consultation

from .. import browsers, ratelimit, vocabulary
from ..forms.public import CommentForm, OpinionFilterForm, OpinionForm
from ..models import Opinion, Support
from ..panels import OPINION_PAGE, TRACKING_PAGE
from ..selectors import browse_published

if TYPE_CHECKING:
    from lublin2030.models import User


# --- Answering the question -----------------------------------------------------------------


def answer_current(request: HttpRequest) -> HttpResponse:
    """The open question being asked now (or, between consultations, the next or last one)."""
    now = timezone.now()
    questions = Consultation.objects.filter(kind=Consultation.Kind.OPEN_QUESTION)
    consultation = (
        questions.open_at(now).order_by("opens_at", "pk").first()
        or questions.filter(opens_at__gt=now).order_by("opens_at", "pk").first()
        or questions.order_by("-closes_at", "-pk").first()
    )
    if consultation is None:
        raise Http404("no open question")
    return redirect("opinions:answer", slug=consultation.slug)


def answer(request: HttpRequest, slug: str) -> HttpResponse:
    # The consultation and the form's lists come from one cache read (vocabulary.py), not a
    # query and a cache read: this is the view thousands of residents post to.
    lists = vocabulary.rows_of([Consultation, *OpinionForm.vocabulary_models])
    consultation = next(
        (
            row
            for row in lists[Consultation]
            if row.slug == slug and row.kind == Consultation.Kind.OPEN_QUESTION
        ),
        None,
    )
    if consultation is None:
        raise Http404("no such open question")
    state = consultation.status_at()
    if state != Consultation.Status.OPEN:
        return _render_answer(
            request,
            consultation,
            None,
            state=state,
            status=409 if request.method == "POST" else 200,
        )
    if request.method != "POST":
        form = OpinionForm(initial={"submission_key": uuid.uuid4()}, vocabulary_rows=lists)
        response = _render_answer(request, consultation, form, state=state)
        browsers.give_visitor_cookie(request, response)
        return response

    form = OpinionForm(request.POST, vocabulary_rows=lists)
    if not form.is_valid():
        return _render_answer(request, consultation, form, state=state)
    decision = ratelimit.register_submission(request, scope="opinion")
    if not decision.allowed:
        response = _render_answer(
            request, consultation, form, state=state, retry_after=decision.retry_after, status=429
        )
        response.headers["Retry-After"] = str(decision.retry_after)
        return response
    data = form.cleaned_data
    try:
        opinion, created = submission.submit_opinion(
            consultation=consultation,
            text=data["text"],
            area=data["area"],
            district=data["district"],
            age_band=data["age_band"],
            relation=data["relation"],
            author_email=data["email"],
            author=user_or_none(request),
            submission_key=browsers.bound_submission_key(request, data["submission_key"]),
            is_suspected_spam=form.is_suspected_spam,
        )
    except submission.ConsultationClosed as closed:
        # It closed while the form was being filled in: say so, and give the text back.
        return _render_answer(request, consultation, None, state=closed.status, status=409)
    except ValidationError as error:
        form.add_error("text", error)
        return _render_answer(request, consultation, form, state=state)
    if created:
        messages.success(
            request,
            _(
                "Thank you! Your opinion has been received. The moderators will read it soon; "
                "this page shows what happens to it."
            ),
        )
    else:
        messages.info(request, _("This opinion had already been received; here it is."))
    return redirect(opinion.get_tracking_url())


def _render_answer(
    request: HttpRequest,
    consultation: Consultation,
    form: OpinionForm | None,
    *,
    state: str,
    retry_after: int = 0,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "opinions/public/answer.html",
        {
            "consultation": consultation,
            "form": form,
            "state": state,
            "rate_limit_minutes": _minutes(retry_after),
            "comment_sent": request.method == "GET" and request.GET.get(COMMENT_SENT) == "1",
            # What was typed, shown back when no form can take it (the consultation closed).
            "typed_text": request.POST.get("text", "") if form is None else "",
        },
        status=status,
    )


# --- The author's private page --------------------------------------------------------------


# What the private page of a comment on a document shows besides an opinion's.
COMMENT_RELATIONS = (
    "consultation",
    "area",
    "district",
    "duplicate_of",
    "section__version__consultation",
    "answer__changed_section__version__consultation",
)


@never_cache
def track(request: HttpRequest, token: str) -> HttpResponse:
    opinion = get_object_or_404(
        Opinion.objects.select_related("consultation", "area", "district", "duplicate_of"),
        tracking_token=token,
    )
    if opinion.section_id or opinion.answer_id:
        # A comment on a consulted document: its section and answer in one more query. Not
        # joined for every opinion: PostgreSQL took 3 ms to plan the twelve-table join, more
        # than all the rest of the page's queries.
        opinion = Opinion.objects.select_related(*COMMENT_RELATIONS).get(pk=opinion.pk)
    # What became of it comes from the apps above this one (core.panels).
    panels = TRACKING_PAGE.render(request, opinion)
    response = render(request, "opinions/public/track.html", {"opinion": opinion, "panels": panels})
    # The address is the only key to this page: never send it to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def stop_emails(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every e-mail to an author: a page that asks, then a POST that erases the
    address (a link alone must not act: mail scanners open links)."""
    opinion = get_object_or_404(Opinion, tracking_token=token)
    if request.method == "POST":
        author_mail.stop_author_emails(opinion=opinion)
        messages.success(
            request,
            _("You will receive no more e-mails about this opinion; your address is erased."),
        )
        return redirect(opinion.get_tracking_url())
    response = render(request, "opinions/public/stop_emails.html", {"opinion": opinion})
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# --- Browsing published opinions ------------------------------------------------------------


def opinion_list(request: HttpRequest) -> HttpResponse:
    form = OpinionFilterForm(request.GET)
    # A filter with an unknown value is reported on its field; the valid ones still apply.
    form.is_valid()
    return render(
        request,
        "opinions/public/list.html",
        {
            "form": form,
            "is_filtered": form.is_filtered,
            **browse_published(form.cleaned_data, page_number=request.GET.get("page")),
        },
    )


# --- One opinion: support and comments ------------------------------------------------------


def opinion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = _published_opinion(pk)
    nonce = str(uuid.uuid4())
    response = _render_detail(request, opinion, CommentForm(initial={"submission_key": nonce}))
    # A visitor without the cookie is served this page from the anonymous cache: each copy
    # gets a visitor id and a comment nonce of its own (core/pagecache.py).
    pagecache.per_copy(request, response, steps=(browsers.VISITOR_STEP,), nonces=(nonce,))
    return response


@require_POST
@vary_on_headers("HX-Request")
def support(request: HttpRequest, pk: int) -> HttpResponse:
    """„Popieram”: the button says what it will do, so a double click does it only once."""
    opinion = _published_opinion(pk)
    user = user_or_none(request)
    session_key = "" if user is not None else (browsers.supporter_of(request))
    if user is None:
        decision = ratelimit.register_submission(
            request, scope="support", limit=settings.SUPPORT_RATE_LIMIT
        )
        if not decision.allowed:
            messages.error(request, _("Too many supports from your connection; try again later."))
            response = redirect(opinion.get_absolute_url())
            response["Retry-After"] = str(decision.retry_after)
            return response
    action = request.POST.get("action", "")
    if action not in {"support", "withdraw"}:
        action = "withdraw" if _supports(opinion, user, session_key) else "support"
    try:
        if action == "support":
            supports.support_opinion(opinion=opinion, user=user, session_key=session_key)
        else:
            supports.withdraw_support(opinion=opinion, user=user, session_key=session_key)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(opinion.get_absolute_url())
    if request.htmx:  # type: ignore[attr-defined]
        opinion.refresh_from_db(fields=["support_count"])
        return render(
            request,
            "opinions/public/detail.html#support",
            {"opinion": opinion, "supported": action == "support", "announce": True},
        )
    if action == "support":
        messages.success(request, _("Thank you: you support this opinion."))
    else:
        messages.info(request, _("You no longer support this opinion."))
    return redirect(f"{opinion.get_absolute_url()}#support")


@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = _published_opinion(pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, opinion, form)
    decision = ratelimit.register_submission(request, scope="comment")
    if not decision.allowed:
        response = _render_detail(
            request, opinion, form, retry_after=decision.retry_after, status=429
        )
        response.headers["Retry-After"] = str(decision.retry_after)
        return response
    data = form.cleaned_data
    try:
        commenting.submit_comment(
            opinion=opinion,
            text=data["text"],
            author=user_or_none(request),
            author_name=data["author_name"],
            submission_key=browsers.bound_submission_key(request, data["submission_key"]),
            is_suspected_spam=form.is_suspected_spam,
        )
    except ValidationError as error:
        form.add_error("text", error)
        return _render_detail(request, opinion, form)
    # The thanks stand where the page lands (in the comments, at the fragment), not in the
    # page's messages above, out of sight: people sent the comment again.
    return redirect(f"{opinion.get_absolute_url()}?{COMMENT_SENT}=1#{COMMENT_SENT}")


COMMENT_SENT = "comment-sent"


def _render_detail(
    request: HttpRequest,
    opinion: Opinion,
    form: CommentForm,
    *,
    retry_after: int = 0,
    status: int = 200,
) -> HttpResponse:
    user = user_or_none(request)
    session_key = "" if user is not None else (browsers.supporter_of(request))
    comments = opinion.comments.filter(status=Opinion.Status.PUBLISHED).order_by("created_at", "pk")
    return render(
        request,
        "opinions/public/detail.html",
        {
            "opinion": opinion,
            "comments": comments,
            "supported": _supports(opinion, user, session_key),
            "form": form,
            "rate_limit_minutes": _minutes(retry_after),
            "comment_sent": request.method == "GET" and request.GET.get(COMMENT_SENT) == "1",
            # What higher apps show of it (core.panels): the reports and recommendations.
            "panels": OPINION_PAGE.render(request, opinion),
        },
        status=status,
    )


def _minutes(seconds: int) -> int:
    return -(-seconds // 60) if seconds > 0 else 0


def _published_opinion(pk: int) -> Opinion:
    return get_object_or_404(
        Opinion.objects.published().select_related(
            "consultation",
            "area",
            "district",
            "event",
            "answer__changed_section__version__consultation",
        ),
        pk=pk,
    )


def _supports(opinion: Opinion, user: User | None, session_key: str) -> bool:
    if user is not None:
        return Support.objects.filter(opinion=opinion, user=user).exists()
    if not session_key:
        return False  # no session yet, so no support from it
    return Support.objects.filter(opinion=opinion, user=None, session_key=session_key).exists()
