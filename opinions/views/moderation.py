"""The moderation queue: opinions and comments waiting for a moderator's decision.

Every action is a plain form post that redirects back to where it came from (the queue
keeps its filters); with htmx the same post answers with the updated row instead (422 with
the errors and what was typed when the input is refused). An action carries the version of
the opinion the moderator saw: if a colleague changed it in the meantime, nothing is
overwritten and the row comes back as it is now (409 for htmx, a message otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_stubs_ext import StrOrPromise

from core import paging
from core.access import permission_required
from core.http import HtmxHttpRequest, is_htmx_fragment_request, safe_next_url, signed_in_user
from opinions.services import commenting, moderation

from ..forms.moderation import (
    BulkForm,
    ChoiceLists,
    CommentRejectForm,
    CorrectForm,
    DuplicateForm,
    QueueFilterForm,
    RejectForm,
    VersionForm,
)
from ..models import Channel, Comment, ModerationLog, Opinion, RejectionReason

if TYPE_CHECKING:
    from lublin2030.models import User


MODERATE = "opinions.moderate_opinion"
# Each row carries its four action forms (about a millisecond of rendering a row): 25 rows
# keep a page well under 100 ms at a million opinions; 50 took 100–170 ms.
PAGE_SIZE = 25
# The queue counts its opinions up to this many; past it the page says "about …" (or "more
# than …" where the database gives no estimate) and its pages end there (40 pages: the
# queue is worked from its oldest end, and narrowed by filters, not paged through).
# Counting 10,000 of the 50,000 waiting at a million opinions took 10–15 ms a page.
QUEUE_COUNT_CAP = 1_000
QUEUE_TEMPLATE = "opinions/moderation/queue.html"
OPINION_TEMPLATE = "opinions/moderation/opinion.html"
COMMENTS_TEMPLATE = "opinions/moderation/comments.html"


def _opinions_for_rows() -> Any:
    return Opinion.objects.select_related(
        "area", "suggested_area", "district", "event", "consultation", "moderated_by"
    ).defer("lemmas")


# --- The queue ------------------------------------------------------------------------------


@vary_on_headers("HX-Request")
@permission_required(MODERATE)
def moderation_queue(request: HtmxHttpRequest) -> HttpResponse:
    return _render_queue(request, bulk_form=None)


def _render_queue(
    request: HtmxHttpRequest, *, bulk_form: BulkForm | None, status: int = 200
) -> HttpResponse:
    choices = ChoiceLists.for_queue()
    filters = QueueFilterForm(request.GET, choices=choices)
    rows = Opinion.objects.select_related("moderated_by").defer("lemmas")
    # Counted up to the cap: counting the 50,000 waiting opinions of a million took longer
    # than the page itself.
    paginator = paging.paginate_with_capped_count(
        filters.apply(rows), PAGE_SIZE, cap=QUEUE_COUNT_CAP
    )
    page = paginator.get_page(request.GET.get("page"))
    opinions = list(page.object_list)
    choices.attach_to(opinions)
    template = QUEUE_TEMPLATE
    if is_htmx_fragment_request(request) and bulk_form is None:
        template += "#queue-results"
    return render(
        request,
        template,
        {
            "filters": filters,
            "page_obj": page,
            "opinions": opinions,
            "failed": NOTHING_REFUSED,
            "choices": choices,
            "bulk_form": bulk_form or BulkForm(),
            "ticked_ids": bulk_form.ticked_ids if bulk_form is not None else set(),
            "next_url": request.get_full_path(),
            "use_htmx": True,
            "count_cap": QUEUE_COUNT_CAP,
        },
        status=status,
    )


# --- One opinion: the staff page -----------------------------------------------------------


@permission_required(MODERATE)
def staff_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_opinion(request, pk, next_url=request.get_full_path())


def _render_opinion(
    request: HttpRequest,
    pk: int,
    *,
    next_url: str,
    failed: Failure | None = None,
    status: int = 200,
) -> HttpResponse:
    opinion = get_object_or_404(
        _opinions_for_rows().select_related("author", "import_batch"), pk=pk
    )
    choices = ChoiceLists.for_rows()
    log = list(opinion.moderation_log.select_related("actor"))
    comments = list(opinion.comments.select_related("author", "moderated_by"))
    queue_url = reverse("opinions:moderation_queue")
    back_url = next_url if next_url.startswith(queue_url) else queue_url
    return render(
        request,
        OPINION_TEMPLATE,
        {
            "opinion": opinion,
            "log": describe_log(log, choices),
            "comments": comments,
            "choices": choices,
            "next_url": next_url,
            "back_url": back_url,
            "failed": failed or NOTHING_REFUSED,
            "use_htmx": False,
        },
        status=status,
    )


# --- Readable moderation log ----------------------------------------------------------------

ACTION_LABELS = {
    "publish": gettext_lazy("published"),
    "reject": gettext_lazy("rejected"),
    "correct": gettext_lazy("corrected the details"),
    "accept-suggestion": gettext_lazy("accepted the suggested area"),
    "mark-duplicate": gettext_lazy("marked as a duplicate"),
    "publish-comment": gettext_lazy("published a comment"),
    "reject-comment": gettext_lazy("rejected a comment"),
}
FIELD_LABELS = {
    "status": gettext_lazy("status"),
    "area": gettext_lazy("thematic area"),
    "district": gettext_lazy("district"),
    "channel": gettext_lazy("channel"),
    "rejection_reason": gettext_lazy("reason"),
    "rejection_note": gettext_lazy("note to the author"),
    "duplicate_of": gettext_lazy("duplicate of"),
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class LogLine:
    entry: ModerationLog
    action: str
    changes: list[Change]


def describe_log(entries: Iterable[ModerationLog], choices: ChoiceLists) -> list[LogLine]:
    """Each log entry with what changed, in words (names, not ids) and without a query."""
    areas = {area.pk: area.localized_name for area in choices.areas}
    districts = {district.pk: district.name for district in choices.districts}
    labels: dict[str, Callable[[Any], str]] = {
        "status": lambda value: _label(Opinion.Status, value),
        "area": lambda value: areas.get(value, f"#{value}"),
        "district": lambda value: districts.get(value, f"#{value}"),
        "channel": lambda value: _label(Channel, value),
        "rejection_reason": lambda value: _label(RejectionReason, value),
        "rejection_note": str,
        "duplicate_of": lambda value: _("opinion #%(number)s") % {"number": value},
    }

    def word(key: str, value: Any) -> str:
        if value in (None, ""):
            return "—"
        return labels.get(key, str)(value)

    lines = []
    for entry in entries:
        keys = [key for key in entry.after if entry.before.get(key) != entry.after.get(key)]
        changes = [
            Change(
                label=str(FIELD_LABELS.get(key, key)),
                before=word(key, entry.before.get(key)),
                after=word(key, entry.after.get(key)),
            )
            for key in keys
        ]
        lines.append(LogLine(entry, str(ACTION_LABELS.get(entry.action, entry.action)), changes))
    return lines


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


# --- Actions on one opinion ------------------------------------------------------------------


FIELDS_WITH_INLINE_ERRORS = {"reason", "note", "area", "district", "channel", "duplicate_of"}


@dataclass
class Failure:
    """A refused action, to show again with its errors and what was typed."""

    action: str
    errors: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, action: str, form: VersionForm) -> Failure:
        errors = {name: [str(error) for error in errs] for name, errs in form.errors.items()}
        return cls(action=action, errors=errors, values=dict(form.data.items()))

    @property
    def messages(self) -> list[str]:
        return [message for errors in self.errors.values() for message in errors]

    # The template looks errors and typed values up by action, so the form that failed (and
    # only that one) shows them: `failed.errors_of.reject.reason`.
    @property
    def errors_of(self) -> dict[str, dict[str, list[str]]]:
        return {self.action: self.errors}

    @property
    def typed(self) -> dict[str, dict[str, Any]]:
        return {self.action: self.values}

    @property
    def general(self) -> list[str]:
        """Errors not shown beside a field: a stale form, or a refusal by the service."""
        return [
            message
            for name, errors in self.errors.items()
            if name not in FIELDS_WITH_INLINE_ERRORS
            for message in errors
        ]


class _NothingRefused(dict[str, Any]):
    """What a row looks up when no action on it was refused: every key gives this again,
    which is false and shows as "".

    The rows ask for `failed.errors_of.reject.reason` and the like, about twenty lookups a
    row; on a missing `failed` (an empty string to the template engine) each one fails
    with an exception and a dir() of str: a tenth of a queue page's time.
    """

    def __missing__(self, key: str) -> _NothingRefused:
        return self

    def __str__(self) -> str:
        return ""


NOTHING_REFUSED = _NothingRefused()

Run = Callable[[int, "User", dict[str, Any]], object]


@dataclass(frozen=True)
class Action:
    name: str
    form_class: type[VersionForm]
    run: Run
    done: StrOrPromise
    # Where a refusal by the service (a ValidationError) is shown; None: above the forms.
    error_field: str | None = None


PUBLISH = Action(
    name="publish",
    form_class=VersionForm,
    run=lambda pk, moderator, data: moderation.publish_opinion(
        opinion_id=pk, moderator=moderator, expected_version=data["version"]
    ),
    done=gettext_lazy("Opinion #%(number)s published."),
)
REJECT = Action(
    name="reject",
    form_class=RejectForm,
    run=lambda pk, moderator, data: moderation.reject_opinion(
        opinion_id=pk,
        moderator=moderator,
        expected_version=data["version"],
        reason=data["reason"],
        note=data["note"],
    ),
    done=gettext_lazy("Opinion #%(number)s rejected."),
    error_field="reason",
)
CORRECT = Action(
    name="correct",
    form_class=CorrectForm,
    run=lambda pk, moderator, data: moderation.correct_opinion(
        opinion_id=pk,
        moderator=moderator,
        expected_version=data["version"],
        area=data["area"],
        district=data["district"],
        channel=data["channel"],
    ),
    done=gettext_lazy("Opinion #%(number)s corrected."),
)
ACCEPT_SUGGESTION = Action(
    name="accept",
    form_class=VersionForm,
    run=lambda pk, moderator, data: moderation.accept_suggested_area(
        opinion_id=pk, moderator=moderator, expected_version=data["version"]
    ),
    done=gettext_lazy("Opinion #%(number)s: the suggested area accepted."),
)
MARK_DUPLICATE = Action(
    name="duplicate",
    form_class=DuplicateForm,
    run=lambda pk, moderator, data: moderation.mark_duplicate(
        opinion_id=pk,
        moderator=moderator,
        expected_version=data["version"],
        duplicate_of=data["duplicate_of"],
    ),
    done=gettext_lazy("Opinion #%(number)s marked as a duplicate and not published."),
    error_field="duplicate_of",
)


def already_handled_message(current: Opinion | Comment) -> str:
    values = {
        "status": current.get_status_display(),
        "who": str(current.moderated_by) if current.moderated_by_id else _("someone"),
    }
    if isinstance(current, Comment):
        return _("Another moderator already handled this comment: now %(status)s by %(who)s.") % (
            values
        )
    return _("Another moderator already handled this opinion: now %(status)s by %(who)s.") % (
        values
    )


def _act(request: HtmxHttpRequest, pk: int, action: Action) -> HttpResponse:
    next_url = safe_next_url(request, reverse("opinions:moderation_queue"))
    form = action.form_class(request.POST)
    if form.is_valid():
        try:
            action.run(pk, signed_in_user(request), form.cleaned_data)
        except Opinion.DoesNotExist:
            raise Http404 from None
        except moderation.AlreadyHandled as conflict:
            message = already_handled_message(conflict.current)
            if is_htmx_fragment_request(request):
                return _render_row(
                    request, pk, next_url, message=message, level="warning", status=409
                )
            messages.warning(request, message)
            return HttpResponseRedirect(next_url)
        except ValidationError as refusal:
            form.add_error(action.error_field, refusal)
        else:
            done = str(action.done) % {"number": pk}
            if is_htmx_fragment_request(request):
                return _render_row(request, pk, next_url, message=done, level="success")
            messages.success(request, done)
            return HttpResponseRedirect(next_url)
    failed = Failure.of(action.name, form)
    if is_htmx_fragment_request(request):
        # 422, not 400: django-htmx's debug script (DEBUG only) replaces the whole page with
        # any 400 response, which would hide the form and what was typed in it.
        return _render_row(request, pk, next_url, failed=failed, status=422)
    return _render_opinion(request, pk, next_url=next_url, failed=failed, status=400)


def _render_row(
    request: HttpRequest,
    pk: int,
    next_url: str,
    *,
    message: str = "",
    level: str = "",
    failed: Failure | None = None,
    status: int = 200,
) -> HttpResponse:
    opinion = get_object_or_404(_opinions_for_rows(), pk=pk)
    return render(
        request,
        f"{QUEUE_TEMPLATE}#opinion-row",
        {
            "opinion": opinion,
            "choices": ChoiceLists.for_rows(),
            "next_url": next_url,
            "row_message": message,
            "row_message_level": level,
            "failed": failed or NOTHING_REFUSED,
            "ticked_ids": set(),
            "use_htmx": True,
        },
        status=status,
    )


def _action_view(action: Action) -> Callable[..., HttpResponseBase]:
    @require_POST
    @vary_on_headers("HX-Request")
    @permission_required(MODERATE)
    def view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
        return _act(request, pk, action)

    view.__name__ = view.__qualname__ = f"moderation_{action.name}"
    return view


moderation_publish = _action_view(PUBLISH)
moderation_reject = _action_view(REJECT)
moderation_correct = _action_view(CORRECT)
moderation_accept_suggestion = _action_view(ACCEPT_SUGGESTION)
moderation_mark_duplicate = _action_view(MARK_DUPLICATE)


# --- Bulk actions ---------------------------------------------------------------------------


@require_POST
@permission_required(MODERATE)
def moderation_bulk(request: HtmxHttpRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    if not form.is_valid():
        return _render_queue(request, bulk_form=form, status=400)
    publish = form.cleaned_data["action"] == BulkForm.PUBLISH
    outcome = moderation.moderate_opinions(
        selections=form.cleaned_data["selected"],
        moderator=signed_in_user(request),
        publish=publish,
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
    )
    count = len(outcome.done)
    done = (
        ngettext("Published %(count)d opinion.", "Published %(count)d opinions.", count)
        if publish
        else ngettext("Rejected %(count)d opinion.", "Rejected %(count)d opinions.", count)
    ) % {"count": count}
    messages.add_message(request, messages.SUCCESS if count else messages.INFO, done)
    if outcome.already_handled:
        handled = ", ".join(
            _("#%(number)s (now %(status)s by %(who)s)")
            % {
                "number": opinion.pk,
                "status": opinion.get_status_display(),
                "who": str(opinion.moderated_by) if opinion.moderated_by_id else _("someone"),
            }
            for opinion in outcome.already_handled
        )
        messages.warning(
            request,
            _("Already handled by another moderator, so left as they are: %(opinions)s.")
            % {"opinions": handled},
        )
    if outcome.missing:
        messages.warning(
            request,
            _("No longer exist: %(opinions)s.")
            % {"opinions": ", ".join(f"#{number}" for number in outcome.missing)},
        )
    query = request.GET.urlencode()
    return HttpResponseRedirect(
        reverse("opinions:moderation_queue") + (f"?{query}" if query else "")
    )


# --- Comments -------------------------------------------------------------------------------


def _comments_for_rows() -> Any:
    return Comment.objects.select_related("opinion", "author", "moderated_by")


@vary_on_headers("HX-Request")
@permission_required(MODERATE)
def comment_queue(request: HtmxHttpRequest) -> HttpResponse:
    comments = (
        _comments_for_rows().filter(status=Opinion.Status.PENDING).order_by("created_at", "pk")
    )
    page = Paginator(comments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        COMMENTS_TEMPLATE,
        {
            "page_obj": page,
            "comments": page.object_list,
            "reasons": RejectionReason.choices,
            "next_url": request.get_full_path(),
            "use_htmx": True,
        },
    )


def _moderate_comment(request: HtmxHttpRequest, pk: int, *, publish: bool) -> HttpResponse:
    next_url = safe_next_url(request, reverse("opinions:comment_queue"))
    form = (VersionForm if publish else CommentRejectForm)(request.POST)
    failed: Failure | None = None
    if form.is_valid():
        try:
            commenting.moderate_comment(
                comment_id=pk,
                moderator=signed_in_user(request),
                expected_version=form.cleaned_data["version"],
                publish=publish,
                reason=form.cleaned_data.get("reason", ""),
            )
        except Comment.DoesNotExist:
            raise Http404 from None
        except moderation.AlreadyHandled as conflict:
            message = already_handled_message(conflict.current)
            if is_htmx_fragment_request(request):
                return _render_comment_row(
                    request, pk, next_url, message=message, level="warning", status=409
                )
            messages.warning(request, message)
            return HttpResponseRedirect(next_url)
        except ValidationError as refusal:
            form.add_error("reason" if not publish else None, refusal)
        else:
            done = (
                _("Comment #%(number)s published.")
                if publish
                else _("Comment #%(number)s rejected.")
            ) % {"number": pk}
            if is_htmx_fragment_request(request):
                row = _render_comment_row(request, pk, next_url, message=done, level="success")
                return _with_waiting_count(request, row)
            messages.success(request, done)
            return HttpResponseRedirect(next_url)
    failed = Failure.of("publish" if publish else "reject", form)
    if is_htmx_fragment_request(request):
        return _render_comment_row(request, pk, next_url, failed=failed, status=422)
    # Nothing typed is lost: the only input of these forms is a choice from a list.
    for message in failed.messages:
        messages.error(request, message)
    return HttpResponseRedirect(next_url)


def _with_waiting_count(request: HttpRequest, row: HttpResponse) -> HttpResponse:
    """The row, and the queue's "N comments waiting" with the count as it is now (out of
    band): it used to stay as it was until a reload."""
    waiting = render_to_string(
        f"{COMMENTS_TEMPLATE}#comments-waiting",
        {
            "waiting_count": Comment.objects.filter(status=Opinion.Status.PENDING).count(),
            "out_of_band": True,
        },
        request=request,
    )
    row.content = row.content + waiting.encode()
    return row


def _render_comment_row(
    request: HttpRequest,
    pk: int,
    next_url: str,
    *,
    message: str = "",
    level: str = "",
    failed: Failure | None = None,
    status: int = 200,
) -> HttpResponse:
    comment = get_object_or_404(_comments_for_rows(), pk=pk)
    return render(
        request,
        f"{COMMENTS_TEMPLATE}#comment-row",
        {
            "comment": comment,
            "reasons": RejectionReason.choices,
            "next_url": next_url,
            "row_message": message,
            "row_message_level": level,
            "comment_failed": failed,
            "use_htmx": True,
        },
        status=status,
    )


@require_POST
@vary_on_headers("HX-Request")
@permission_required(MODERATE)
def comment_publish(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _moderate_comment(request, pk, publish=True)


@require_POST
@vary_on_headers("HX-Request")
@permission_required(MODERATE)
def comment_reject(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _moderate_comment(request, pk, publish=False)
