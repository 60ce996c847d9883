"""Paper input: the events where it was collected, typing cards in, importing files."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from core.access import permission_required
from core.http import HtmxHttpRequest, signed_in_user
from core.params import parse_number
from opinions.importing import batches, commit
from opinions.importing import messages as import_messages
from opinions.services import events
from stages.models import District, ThematicArea

from ..cleaning import neutralise_formula
from ..forms.paper import EventForm, ImportUploadForm, TypeInForm
from ..models import AgeBand, Channel, Event, ImportBatch, ImportRow, Opinion
from ..services.submission import ConsultationClosed, submit_opinion

MANAGE_EVENTS = "opinions.manage_events"
IMPORT_OPINIONS = "opinions.import_opinions"
EVENTS_PER_PAGE = 50
BATCHES_PER_PAGE = 30
ROWS_PER_PAGE = 50
RECENT_CARDS = 5

if TYPE_CHECKING:
    pass


def _page(request: HttpRequest, items: QuerySet[Any], per_page: int) -> Page[Any]:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


# --- Events ---------------------------------------------------------------------------------


@permission_required(MANAGE_EVENTS)
def event_list(request: HttpRequest) -> HttpResponse:
    events = Event.objects.select_related("district").annotate(opinion_count=Count("opinions"))
    return render(
        request,
        "opinions/paper/event_list.html",
        {"page": _page(request, events.order_by("-held_on", "-pk"), EVENTS_PER_PAGE)},
    )


@permission_required(MANAGE_EVENTS)
def event_create(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        event = events.save_event(event=None, values=form.cleaned_data, by=signed_in_user(request))
        messages.success(request, _("Event “%(title)s” saved.") % {"title": event.title})
        return redirect("opinions:event_list")
    return render(request, "opinions/paper/event_form.html", {"form": form, "event": None})


@permission_required(MANAGE_EVENTS)
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        events.save_event(event=event, values=form.cleaned_data, by=signed_in_user(request))
        messages.success(request, _("Event “%(title)s” saved.") % {"title": event.title})
        return redirect("opinions:event_list")
    return render(request, "opinions/paper/event_form.html", {"form": form, "event": event})


# --- Typing in paper cards ------------------------------------------------------------------


@vary_on_headers("HX-Request")
@permission_required(MANAGE_EVENTS)
def typein(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Cards typed one after another: after each save an empty text, the rest kept."""
    event = get_object_or_404(Event.objects.select_related("district"), pk=pk)
    saved: Opinion | None = None
    repeated = False
    if request.method == "POST":
        form = TypeInForm(request.POST)
        if form.is_valid():
            try:
                saved, created = submit_opinion(
                    consultation=form.cleaned_data["consultation"],
                    text=form.cleaned_data["text"],
                    channel=form.cleaned_data["channel"],
                    area=form.cleaned_data["area"],
                    district=form.cleaned_data["district"],
                    event=event,
                    age_band=form.cleaned_data["age_band"],
                    collected_on=form.cleaned_data["collected_on"],
                    submission_key=form.cleaned_data["submission_key"],
                )
            except ConsultationClosed:
                form.add_error("consultation", _("This consultation is closed."))
            except ValidationError as error:
                form.add_error("text", error)
            else:
                repeated = not created
                sticky = form.sticky_values()
                if not request.htmx:
                    query = {**sticky, "saved": saved.pk, **({"again": 1} if repeated else {})}
                    return redirect(f"{request.path}?{urlencode(query)}")
                form = TypeInForm(initial=TypeInForm.initial_for(event=event, query=sticky))
        if form.is_bound and form.errors:
            form.focus_first_error()
    else:
        form = TypeInForm(initial=TypeInForm.initial_for(event=event, query=request.GET))
        saved_pk = parse_number(request.GET.get("saved", ""))
        if saved_pk is not None:
            saved = Opinion.objects.filter(event=event, pk=saved_pk).first()
            repeated = request.GET.get("again") == "1"
    context = {
        "event": event,
        "form": form,
        "saved": saved,
        "repeated": repeated,
        "card_count": Opinion.objects.filter(event=event).count(),
        "recent": Opinion.objects.filter(event=event)
        .select_related("area", "district")
        .order_by("-created_at", "-pk")[:RECENT_CARDS],
    }
    template = "opinions/paper/typein.html"
    if request.htmx:
        template += "#typein_swap"
    return render(request, template, context)


# --- Importing files ------------------------------------------------------------------------


@permission_required(IMPORT_OPINIONS)
def import_list(request: HttpRequest) -> HttpResponse:
    batches = ImportBatch.objects.select_related("event", "uploaded_by").order_by(
        "-created_at", "-pk"
    )
    return render(
        request,
        "opinions/paper/import_list.html",
        {"page": _page(request, batches, BATCHES_PER_PAGE)},
    )


@permission_required(IMPORT_OPINIONS)
def import_upload(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"consultation": batches.default_consultation()}
    event_pk = parse_number(request.GET.get("event", ""))
    if event_pk is not None:
        initial["event"] = Event.objects.filter(pk=event_pk).first()
    form = ImportUploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        batch = batches.start_import(
            content=form.content,
            original_name=form.cleaned_data["file"].name,
            consultation=form.cleaned_data["consultation"],
            event=form.cleaned_data["event"],
            uploaded_by=request.user,  # type: ignore[arg-type]
        )
        messages.success(request, _("File received. Its rows are being checked."))
        return redirect("opinions:import_detail", pk=batch.pk)
    return render(request, "opinions/paper/import_upload.html", {"form": form})


def _batch(pk: int) -> ImportBatch:
    return get_object_or_404(
        ImportBatch.objects.select_related("event", "consultation", "uploaded_by"), pk=pk
    )


def _progress_context(batch: ImportBatch) -> dict[str, Any]:
    if batch.status == ImportBatch.Status.COMMITTING:
        total = batch.accepted_count + batch.normalised_count
        done = min(commit.commit_progress(batch), total)
    else:
        total, done = batch.rows_total, batch.rows_processed
    return {
        "batch": batch,
        "running": batch.status in batches.RUNNING_STATUSES,
        "progress_total": total,
        "progress_done": done,
        "progress_percent": min(100, round(100 * done / total)) if total else 0,
    }


def _label(choices: type[Channel] | type[AgeBand], value: str) -> str:
    """A stored code as people read it ("mobile-point" → "punkt mobilny"); as typed if not a
    code (a rejected row's cell)."""
    return str(choices(value).label) if value in choices.values else value


@vary_on_headers("HX-Request")
@permission_required(IMPORT_OPINIONS)
def import_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    verdict = request.GET.get("verdict", "")
    if verdict not in ImportRow.Verdict.values:
        verdict = ""
    context = _progress_context(batch)
    context.update(
        verdict=verdict,
        verdicts=[
            (ImportRow.Verdict.ACCEPTED, batch.accepted_count),
            (ImportRow.Verdict.NORMALISED, batch.normalised_count),
            (ImportRow.Verdict.REJECTED, batch.rejected_count),
            (ImportRow.Verdict.DUPLICATE, batch.duplicate_count),
        ],
        to_save=batch.accepted_count + batch.normalised_count,
        error=import_messages.render_batch_error(batch),
        earlier=batches.earlier_upload_of_same_file(batch)
        if batch.status == ImportBatch.Status.PREVIEW
        else None,
    )
    if batch.status in (ImportBatch.Status.PREVIEW, ImportBatch.Status.DONE):
        rows = ImportRow.objects.filter(batch=batch).order_by("row_number")
        if verdict:
            rows = rows.filter(verdict=verdict)
        page = _page(request, rows.only("row_number", "verdict", "reasons", "data"), ROWS_PER_PAGE)
        context.update(page=page, shown_rows=_shown_rows(page))
        if request.htmx and request.htmx.target == "import-rows":
            return render(request, "opinions/paper/import_detail.html#import_rows", context)
    return render(request, "opinions/paper/import_detail.html", context)


def _shown_rows(page: Page[ImportRow]) -> list[dict[str, Any]]:
    """Rows as the table shows them: reasons translated, slugs as names."""
    areas = dict(ThematicArea.objects.values_list("slug", "name"))
    districts = dict(District.objects.values_list("slug", "name"))
    shown = []
    for row in page:
        data = row.data
        accepted = row.verdict != ImportRow.Verdict.REJECTED
        shown.append(
            {
                "number": row.row_number,
                "verdict": row.verdict,
                "verdict_label": ImportRow.Verdict(row.verdict).label,
                "reasons": import_messages.render_reasons(row, area_names=areas),
                "text": data.get("text", ""),
                "area": areas.get(data.get("area", ""), "") if accepted else data.get("area", ""),
                "district": districts.get(data.get("district", ""), "")
                if accepted
                else data.get("district", ""),
                "channel": _label(Channel, data.get("channel", "")),
                "age_band": _label(AgeBand, data.get("age_band", "")),
                "collected_on": data.get("collected_on", ""),
            }
        )
    return shown


@vary_on_headers("HX-Request")
@permission_required(IMPORT_OPINIONS)
def import_progress(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    if not request.htmx:
        return redirect("opinions:import_detail", pk=batch.pk)
    if batch.status not in batches.RUNNING_STATUSES:
        # Done: the whole page changes (preview, result or refusal), and polling stops.
        return HttpResponseClientRefresh()
    return render(
        request, "opinions/paper/import_detail.html#import_progress", _progress_context(batch)
    )


@require_POST
@permission_required(IMPORT_OPINIONS)
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if batches.request_commit(batch_id=batch.pk):
        messages.success(request, _("Saving the accepted rows."))
    else:
        messages.info(
            request, _("This file is not waiting to be saved: it is being saved or was saved.")
        )
    return redirect("opinions:import_detail", pk=batch.pk)


class _Echo:
    def write(self, value: str) -> str:
        return value


# The decorator is typed for HttpResponse; a streamed response works with it just as well.
@permission_required(IMPORT_OPINIONS)
def import_report(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # so that Excel reads the file as UTF-8
        yield writer.writerow([_("row"), _("verdict"), _("reasons"), _("text")])
        rows = ImportRow.objects.filter(batch=batch).order_by("row_number")
        for row in rows.only("row_number", "verdict", "reasons", "data").iterator(2000):
            cells = [
                row.row_number,
                ImportRow.Verdict(row.verdict).label,
                "; ".join(import_messages.render_reasons(row)),
                row.data.get("text", ""),
            ]
            yield writer.writerow([neutralise_formula(str(cell)) for cell in cells])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-report.csv"'
    return response
