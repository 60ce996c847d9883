"""Consultations and their documents: the editors' pages, and the public comparison of two
published versions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import permission_required

from ..documents.comparison import compare_document_versions
from ..documents.models import DocumentVersion, Section
from ..documents.parsing import DocumentRefused, slug_key
from ..documents.services import (
    DocumentError,
    discard_draft_version,
    load_document,
    publish_version,
    update_section,
)
from ..forms import ConsultationForm, DocumentUploadForm, SectionForm
from ..models import Consultation
from ..panels import VERSION_COMPARISON_SECTION
from ..services.consultations import (
    ConsultationRefused,
    create_consultation,
    update_consultation,
)

MANAGE = "stages.manage_consultations"


# --- Consultations --------------------------------------------------------------------------


@permission_required(MANAGE)
def staff_consultation_list(request: HttpRequest) -> HttpResponse:
    consultations = (
        Consultation.objects.select_related("stage")
        .annotate(
            versions=Count("document_versions"),
            published_versions=Count(
                "document_versions", filter=Q(document_versions__status="published")
            ),
        )
        .order_by("-opens_at", "-pk")
    )
    now = timezone.now()
    rows = [
        (consultation, consultation.status_at(now), consultation.report_days_left(now))
        for consultation in consultations
    ]
    return render(request, "stages/staff/consultation_list.html", {"rows": rows})


@permission_required(MANAGE)
def staff_consultation_create(request: HttpRequest) -> HttpResponse:
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            consultation = create_consultation(
                stage=data.pop("stage"),
                slug=data.pop("slug"),
                kind=data.pop("kind"),
                title=data.pop("title"),
                opens_at=data.pop("opens_at"),
                closes_at=data.pop("closes_at"),
                statutory=data.pop("statutory"),
                **data,
            )
        except ConsultationRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            messages.success(request, _("Consultation saved."))
            return redirect("stages:staff_consultation_edit", pk=consultation.pk)
    return render(
        request, "stages/staff/consultation_form.html", {"form": form, "consultation": None}
    )


@permission_required(MANAGE)
def staff_consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(Consultation, pk=pk)
    form = ConsultationForm(request.POST or None, instance=Consultation.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        changes = {
            name: value
            for name, value in form.cleaned_data.items()
            if getattr(consultation, name) != value
        }
        try:
            update_consultation(consultation=consultation, **changes)
        except ConsultationRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("stages:staff_consultation_edit", pk=consultation.pk)
    return render(
        request,
        "stages/staff/consultation_form.html",
        {"form": form, "consultation": consultation},
    )


# --- The document ---------------------------------------------------------------------------


def _document_consultation(pk: int) -> Consultation:
    consultation = get_object_or_404(Consultation, pk=pk)
    if consultation.kind not in (Consultation.Kind.DOCUMENT, Consultation.Kind.RECOMMENDATIONS):
        raise Http404
    return consultation


@permission_required(MANAGE)
def staff_document(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _document_consultation(pk)
    return _render_document(request, consultation, DocumentUploadForm())


def _render_document(
    request: HttpRequest, consultation: Consultation, form: DocumentUploadForm, status: int = 200
) -> HttpResponse:
    versions = list(
        consultation.document_versions.select_related("created_by")
        .annotate(section_count=Count("sections"))
        .order_by("-number")
    )
    return render(
        request,
        "stages/staff/document.html",
        {"consultation": consultation, "versions": versions, "form": form},
        status=status,
    )


@require_POST
@permission_required(MANAGE)
def staff_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _document_consultation(pk)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_document(request, consultation, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        result = load_document(
            consultation=consultation,
            content=_read_upload(upload),
            name=upload.name or "",
            user=request.user,  # type: ignore[arg-type]
        )
    except (DocumentRefused, DocumentError) as refused:
        form.add_error("file", refused.message)
        return _render_document(request, consultation, form, status=400)
    version = result.version
    if result.created:
        messages.success(
            request,
            _("Version %(number)d loaded as a draft. Check its sections, then publish it.")
            % {"number": version.number},
        )
    else:
        messages.info(
            request,
            _("The file holds the same sections as version %(number)d; nothing new was loaded.")
            % {"number": version.number},
        )
    return redirect("stages:staff_version", pk=consultation.pk, number=version.number)


def _read_upload(upload: Any) -> bytes:
    from ..documents.parsing import document_max_bytes

    # Read one byte past the limit only: the parser refuses the file as too large.
    data: bytes = upload.read(document_max_bytes() + 1)
    return data


def _version(consultation: Consultation, number: int) -> DocumentVersion:
    return get_object_or_404(
        DocumentVersion.objects.select_related("consultation"),
        consultation=consultation,
        number=number,
    )


@permission_required(MANAGE)
def staff_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    consultation = _document_consultation(pk)
    version = _version(consultation, number)
    sections = list(version.sections.order_by("position"))
    previous = consultation.document_versions.filter(number__lt=number).order_by("-number").first()
    return render(
        request,
        "stages/staff/version.html",
        {
            "consultation": consultation,
            "version": version,
            "sections": sections,
            "previous": previous,
        },
    )


@require_POST
@permission_required(MANAGE)
def staff_version_publish(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    consultation = _document_consultation(pk)
    version = _version(consultation, number)
    try:
        publish_version(version=version, note=request.POST.get("note", "").strip() or None)
    except DocumentError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Version %(number)d is published: residents read it now.")
            % {"number": version.number},
        )
    return redirect("stages:staff_version", pk=consultation.pk, number=version.number)


@require_POST
@permission_required(MANAGE)
def staff_version_discard(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    consultation = _document_consultation(pk)
    version = _version(consultation, number)
    try:
        discard_draft_version(version=version)
    except DocumentError as refused:
        messages.error(request, refused.message)
        return redirect("stages:staff_version", pk=consultation.pk, number=version.number)
    messages.success(request, _("The draft was deleted."))
    return redirect("stages:staff_document", pk=consultation.pk)


@permission_required(MANAGE)
def staff_section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    section = get_object_or_404(Section.objects.select_related("version__consultation"), pk=pk)
    version = section.version
    if version.is_published:
        messages.error(request, _("A published version never changes."))
        return redirect("stages:staff_version", pk=version.consultation_id, number=version.number)
    previous = _previous_sections(version)
    choices = [("", _("a new section"))] + [
        (s.key, f"§{s.number} {s.heading}"[:120]) for s in previous
    ]
    known = {s.key for s in previous}
    form = SectionForm(
        request.POST or None,
        key_choices=choices,
        initial={
            "heading": section.heading,
            "body": section.body,
            "key": section.key if section.key in known else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["key"] or _new_key(section, known)
        try:
            update_section(
                section=section,
                heading=form.cleaned_data["heading"],
                body=form.cleaned_data["body"],
                key=key,
            )
        except DocumentError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Section %(number)s saved.") % {"number": section.number})
            return redirect(
                "stages:staff_version", pk=version.consultation_id, number=version.number
            )
    return render(
        request,
        "stages/staff/section_form.html",
        {"form": form, "section": section, "version": version},
    )


def _previous_sections(version: DocumentVersion) -> list[Section]:
    top = version.consultation.document_versions.filter(number__lt=version.number).aggregate(
        top=Max("number")
    )["top"]
    if top is None:
        return []
    return list(
        Section.objects.filter(version__consultation=version.consultation, version__number=top)
    )


def _new_key(section: Section, previous_keys: set[str]) -> str:
    """Unchanged if it is already its own; else a fresh one no other section has used."""
    if section.key not in previous_keys:
        return section.key
    taken = set(section.version.sections.values_list("key", flat=True)) | previous_keys
    key = slug_key(section.number, section.heading)
    suffix = 2
    candidate = key
    while candidate in taken:
        candidate = f"{key}-{suffix}"
        suffix += 1
    return candidate


# --- Comparing versions -----------------------------------------------------------------------


def _comparison_context(
    request: HttpRequest, consultation: Consultation, old: DocumentVersion, new: DocumentVersion
) -> dict[str, Any]:
    comparison = compare_document_versions(old, new)
    panels = VERSION_COMPARISON_SECTION.render(request, new)
    return {
        "consultation": consultation,
        "comparison": comparison,
        "items": [
            (item, panels.get(item.new.pk, []) if item.new else []) for item in comparison.changes
        ],
        "old_label": _("Version %(number)d") % {"number": old.number},
        "new_label": _("Version %(number)d") % {"number": new.number},
    }


@permission_required(MANAGE)
def staff_version_compare(request: HttpRequest, pk: int, a: int, b: int) -> HttpResponse:
    consultation = _document_consultation(pk)
    old, new = _version(consultation, a), _version(consultation, b)
    context = _comparison_context(request, consultation, old, new)
    context["staff"] = True
    return render(request, "stages/staff/version_compare.html", context)


def document_compare(request: HttpRequest, slug: str, a: int, b: int) -> HttpResponse:
    """The public comparison: published versions only (a draft is the editors' work)."""
    consultation = get_object_or_404(Consultation, slug=slug)
    versions = DocumentVersion.objects.published().filter(consultation=consultation)
    old = get_object_or_404(versions, number=a)
    new = get_object_or_404(versions, number=b)
    context = _comparison_context(request, consultation, old, new)
    context["staff"] = False
    return render(request, "stages/document_compare.html", context)
