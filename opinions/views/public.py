"""The residents' pages: answer the question, follow one's opinion, browse, support, comment."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core import paging
from core.http import user_or_none
from opinions.analysis import counting
from opinions.analysis.search import search_opinions
from opinions.analysis.text import highlight
from stages.models import Consultation

from .. import ratelimit, services, vocabulary
from ..forms.public import CommentForm, OpinionFilterForm, OpinionForm
from ..models import Opinion, Support

if TYPE_CHECKING:
    from lublin2030.models import User

PAGE_SIZE = 20
# Lists and searches count their opinions up to this many (“more than 10,000”): counting
# every one of 900,000 published opinions, or of the 100,000 of one area, takes longer than
# the rest of the page; pages end there too. A list without a search then shows the
# database's estimate instead (“about 920,000”).
SEARCH_COUNT_CAP = 10_000
# A search whose sampled estimate passes the cap by this factor is taken to pass it: a 1%
# sample of 15,000 matches finds about 150 ± 12, so the real number is not under the cap.
DENSE_SEARCH_FACTOR = 1.5

# Each order can walk an index on Opinion: (status, created_at) or (status, support_count);
# the primary key only breaks ties, so the database sorts at most a handful of rows.
ORDERINGS = {
    OpinionFilterForm.Sort.NEWEST: ("-created_at", "-pk"),
    OpinionFilterForm.Sort.SUPPORTED: ("-support_count", "-created_at", "-pk"),
}


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
        return _render_answer(request, consultation, form, state=state)

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
        opinion, created = services.submit_opinion(
            consultation=consultation,
            text=data["text"],
            area=data["area"],
            district=data["district"],
            age_band=data["age_band"],
            relation=data["relation"],
            author_email=data["email"],
            author=user_or_none(request),
            submission_key=data["submission_key"],
            is_suspected_spam=form.is_suspected_spam,
        )
    except services.ConsultationClosed as closed:
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
            # What was typed, shown back when no form can take it (the consultation closed).
            "typed_text": request.POST.get("text", "") if form is None else "",
        },
        status=status,
    )


# --- The author's private page --------------------------------------------------------------


@never_cache
def track(request: HttpRequest, token: str) -> HttpResponse:
    opinion = get_object_or_404(
        Opinion.objects.select_related("consultation", "area", "district", "duplicate_of"),
        tracking_token=token,
    )
    response = render(request, "opinions/public/track.html", {"opinion": opinion})
    # The address is the only key to this page: never send it to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# --- Browsing published opinions ------------------------------------------------------------


def opinion_list(request: HttpRequest) -> HttpResponse:
    form = OpinionFilterForm(request.GET)
    form.is_valid()
    # A filter with an unknown value is reported on its field; the valid ones still apply.
    filters = form.cleaned_data
    opinions = filter_published(
        area=filters.get("area"),
        district=filters.get("district"),
        channel=filters.get("channel") or "",
        event=filters.get("event"),
        consultation=filters.get("consultation"),
    )
    return render(
        request,
        "opinions/public/list.html",
        {
            "form": form,
            "is_filtered": any(filters.get(name) for name in form.fields if name != "sort"),
            **opinion_results(
                opinions,
                query=filters.get("q") or "",
                sort=filters.get("sort") or OpinionFilterForm.Sort.NEWEST,
                page_number=request.GET.get("page"),
            ),
        },
    )


def opinion_results(
    opinions: QuerySet[Opinion], *, query: str, sort: str, page_number: str | None
) -> dict[str, Any]:
    """One page of opinions searched and sorted, with highlights and counts: the context of
    templates/opinions/public/partials/results.html, for every page that lists opinions."""
    paginator = _paginate(opinions, query=query, sort=sort)
    page = paginator.get_page(page_number)
    return {
        "page": page,
        "items": [(opinion, highlight(opinion.text, query) if query else None) for opinion in page],
        "query": query,
        "count_is_capped": paginator.count > SEARCH_COUNT_CAP,
        "count_cap": SEARCH_COUNT_CAP,
        "count_estimate": getattr(paginator, "estimate", None),
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
    }


def _paginate(opinions: QuerySet[Opinion], *, query: str, sort: str) -> paging.CountedPaginator:
    """Pages of the filtered opinions, counted and ordered so that a million rows stay fast.

    The count stops at SEARCH_COUNT_CAP + 1. Without a search the page walks one of the
    (status, …) indexes on Opinion, and a count over the cap asks the planner for its
    estimate (PostgreSQL). With a search the number of matches picks the plan: many
    matches are dense, so walking the ordering index finds a page at once; few matches are
    found through the search index and sorted (walking the ordering index would read the
    whole table to find a handful, as PostgreSQL misjudges how rare they are). On
    PostgreSQL a sample tells the many from the few first, and many are not counted at
    all (counting.py).
    """
    opinions = opinions.select_related("area", "district")
    if not query:
        return paging.paginate_with_capped_count(
            opinions.order_by(*ORDERINGS[sort]), PAGE_SIZE, cap=SEARCH_COUNT_CAP
        )
    opinions = search_opinions(opinions, query)
    sampled = counting.sampled_count(opinions)
    if sampled is not None and sampled > DENSE_SEARCH_FACTOR * SEARCH_COUNT_CAP:
        return paging.CountedPaginator(
            opinions.order_by(*ORDERINGS[sort]),
            PAGE_SIZE,
            count=SEARCH_COUNT_CAP + 1,
            estimate=paging.two_significant_figures(sampled),
        )
    matches = paging.capped_count(opinions, SEARCH_COUNT_CAP)
    if matches > SEARCH_COUNT_CAP:
        ordering: list[Any] = list(ORDERINGS[sort])
    else:
        first, *rest = ORDERINGS[sort]
        field = first.removeprefix("-")
        # COALESCE(x, x) is x, but no index is sorted by it, so the planner cannot walk one.
        ordering = [Coalesce(field, field).desc(), *rest]
    return paging.CountedPaginator(
        opinions.order_by(*ordering), PAGE_SIZE, count=matches, estimate=None
    )


def filter_published(
    *,
    area: Any = None,
    district: Any = None,
    channel: str = "",
    event: Any = None,
    consultation: Any = None,
) -> QuerySet[Opinion]:
    opinions = Opinion.objects.published()
    if area is not None:
        opinions = opinions.filter(area=area)
    if district is not None:
        opinions = opinions.filter(district=district)
    if channel:
        opinions = opinions.filter(channel=channel)
    if event is not None:
        opinions = opinions.filter(event=event)
    if consultation is not None:
        opinions = opinions.filter(consultation=consultation)
    return opinions


# --- One opinion: support and comments ------------------------------------------------------


def opinion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = _published_opinion(pk)
    return _render_detail(request, opinion, CommentForm(initial={"submission_key": uuid.uuid4()}))


@require_POST
@vary_on_headers("HX-Request")
def support(request: HttpRequest, pk: int) -> HttpResponse:
    """„Popieram”: the button says what it will do, so a double click does it only once."""
    opinion = _published_opinion(pk)
    user = user_or_none(request)
    session_key = "" if user is not None else _session_key(request)
    action = request.POST.get("action", "")
    if action not in {"support", "withdraw"}:
        action = "withdraw" if _supports(opinion, user, session_key) else "support"
    try:
        if action == "support":
            services.support_opinion(opinion=opinion, user=user, session_key=session_key)
        else:
            services.withdraw_support(opinion=opinion, user=user, session_key=session_key)
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
        services.submit_comment(
            opinion=opinion,
            text=data["text"],
            author=user_or_none(request),
            author_name=data["author_name"],
            submission_key=data["submission_key"],
            is_suspected_spam=form.is_suspected_spam,
        )
    except ValidationError as error:
        form.add_error("text", error)
        return _render_detail(request, opinion, form)
    messages.success(
        request, _("Thank you. Your comment will appear here after a moderator has read it.")
    )
    return redirect(f"{opinion.get_absolute_url()}#comments")


def _render_detail(
    request: HttpRequest,
    opinion: Opinion,
    form: CommentForm,
    *,
    retry_after: int = 0,
    status: int = 200,
) -> HttpResponse:
    user = user_or_none(request)
    session_key = "" if user is not None else (request.session.session_key or "")
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
        },
        status=status,
    )


def _minutes(seconds: int) -> int:
    return -(-seconds // 60) if seconds > 0 else 0


def _published_opinion(pk: int) -> Opinion:
    return get_object_or_404(
        Opinion.objects.published().select_related("consultation", "area", "district", "event"),
        pk=pk,
    )


def _supports(opinion: Opinion, user: User | None, session_key: str) -> bool:
    if user is not None:
        return Support.objects.filter(opinion=opinion, user=user).exists()
    if not session_key:
        return False  # no session yet, so no support from it
    return Support.objects.filter(opinion=opinion, user=None, session_key=session_key).exists()


def _session_key(request: HttpRequest) -> str:
    """The anonymous supporter's session, created (and its cookie sent) if it has none."""
    if not request.session.session_key:
        # A value marks the session modified, so the middleware sends its cookie.
        request.session["supporter"] = True
        request.session.save()
    return str(request.session.session_key)


urlpatterns: list[URLPattern] = [
    path("answer/", answer_current, name="answer_current"),
    path("consultations/<slug:slug>/answer/", answer, name="answer"),
    path("opinions/", opinion_list, name="list"),
    path("opinions/track/<str:token>/", track, name="track"),
    path("opinions/<int:pk>/", opinion_detail, name="detail"),
    path("opinions/<int:pk>/support/", support, name="support"),
    path("opinions/<int:pk>/comments/", comment, name="comment"),
]
