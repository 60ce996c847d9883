"""Every path of the opinions app, by audience."""

from __future__ import annotations

from django.urls import path

from opinions.answers.report import views as consultation_report
from opinions.reports import views as reports
from opinions.views import answers, consultations, moderation, paper, public

app_name = "opinions"

urlpatterns = [
    # Residents: answering, tracking, browsing, supporting, commenting
    path("answer/", public.answer_current, name="answer_current"),
    path("consultations/<slug:slug>/answer/", public.answer, name="answer"),
    # Residents: reading a consulted document and commenting on it section by section
    path("consultations/<slug:slug>/", consultations.consultation_detail, name="consultation"),
    path(
        "consultations/<slug:slug>/v<int:version>/<slug:key>/",
        consultations.section_detail,
        name="document_section",
    ),
    path("opinions/", public.opinion_list, name="list"),
    path("opinions/track/<slug:token>/", public.track, name="track"),
    path("opinions/track/<slug:token>/emails/", public.stop_emails, name="stop_emails"),
    path("opinions/<int:pk>/", public.opinion_detail, name="detail"),
    path("opinions/<int:pk>/support/", public.support, name="support"),
    path("opinions/<int:pk>/comments/", public.comment, name="comment"),
    # Moderators: the queues of opinions and comments
    path("staff/moderation/", moderation.moderation_queue, name="moderation_queue"),
    path("staff/moderation/bulk/", moderation.moderation_bulk, name="moderation_bulk"),
    path(
        "staff/moderation/<int:pk>/publish/",
        moderation.moderation_publish,
        name="moderation_publish",
    ),
    path(
        "staff/moderation/<int:pk>/reject/", moderation.moderation_reject, name="moderation_reject"
    ),
    path(
        "staff/moderation/<int:pk>/correct/",
        moderation.moderation_correct,
        name="moderation_correct",
    ),
    path(
        "staff/moderation/<int:pk>/accept-suggestion/",
        moderation.moderation_accept_suggestion,
        name="moderation_accept_suggestion",
    ),
    path(
        "staff/moderation/<int:pk>/duplicate/",
        moderation.moderation_mark_duplicate,
        name="moderation_mark_duplicate",
    ),
    path("staff/moderation/comments/", moderation.comment_queue, name="comment_queue"),
    # Staff: answering every comment of a consultation
    path("staff/consultations/<slug:slug>/answers/", answers.answer_queue, name="answer_queue"),
    path("staff/consultations/<slug:slug>/answers/new/", answers.answer_post, name="answer_post"),
    path(
        "staff/consultations/<slug:slug>/answers/<int:pk>/approve/",
        answers.answer_approve,
        name="answer_approve",
    ),
    path(
        "staff/consultations/<slug:slug>/answers/publish/",
        answers.answers_publish,
        name="answers_publish",
    ),
    path(
        "staff/moderation/comments/<int:pk>/publish/",
        moderation.comment_publish,
        name="comment_publish",
    ),
    path(
        "staff/moderation/comments/<int:pk>/reject/",
        moderation.comment_reject,
        name="comment_reject",
    ),
    path("staff/opinions/<int:pk>/", moderation.staff_opinion, name="staff_opinion"),
    # Paper input: events, typing in, file imports
    path("staff/events/", paper.event_list, name="event_list"),
    path("staff/events/new/", paper.event_create, name="event_create"),
    path("staff/events/<int:pk>/edit/", paper.event_edit, name="event_edit"),
    path("staff/events/<int:pk>/type-in/", paper.typein, name="typein"),
    path("staff/imports/", paper.import_list, name="import_list"),
    path("staff/imports/new/", paper.import_upload, name="import_upload"),
    path("staff/imports/<int:pk>/", paper.import_detail, name="import_detail"),
    path("staff/imports/<int:pk>/progress/", paper.import_progress, name="import_progress"),
    path("staff/imports/<int:pk>/commit/", paper.import_commit, name="import_commit"),
    path("staff/imports/<int:pk>/report.csv", paper.import_report, name="import_report"),
    # Thematic reports: staff pages, then public pages
    path("staff/reports/", reports.report_staff, name="report_staff"),
    path("staff/reports/build/", reports.report_build, name="report_build"),
    path("staff/reports/<int:pk>/progress/", reports.report_progress, name="report_progress"),
    path(
        "staff/reports/<int:pk>/retry/",
        reports.report_action,
        {"action": "retry"},
        name="report_retry",
    ),
    path(
        "staff/reports/<int:pk>/publish/",
        reports.report_action,
        {"action": "publish"},
        name="report_publish",
    ),
    path(
        "staff/reports/<int:pk>/unpublish/",
        reports.report_action,
        {"action": "unpublish"},
        name="report_unpublish",
    ),
    path("staff/reports/<int:pk>/edit/", reports.report_edit, name="report_edit"),
    path("reports/", reports.report_list, name="report_list"),
    path("reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/opinions/", reports.report_opinions, name="report_opinions"),
    path("reports/<int:pk>/report.pdf", reports.report_pdf, name="report_pdf"),
    path(
        "reports/<int:pk>/report-en.pdf",
        reports.report_pdf,
        {"language": "en"},
        name="report_pdf_en",
    ),
    path("reports/<int:pk>/appendix.xlsx", reports.report_xlsx, name="report_xlsx"),
    # The consultation report: the staff page, then the public pages and files
    path(
        "staff/consultations/<slug:slug>/report/",
        consultation_report.consultation_report_staff,
        name="consultation_report_staff",
    ),
    path(
        "staff/consultations/<slug:slug>/report/build/",
        consultation_report.consultation_report_build,
        name="consultation_report_build",
    ),
    path(
        "staff/consultations/<slug:slug>/report/v<int:version>/progress/",
        consultation_report.consultation_report_progress,
        name="consultation_report_progress",
    ),
    path(
        "staff/consultations/<slug:slug>/report/v<int:version>/retry/",
        consultation_report.consultation_report_retry,
        name="consultation_report_retry",
    ),
    path(
        "staff/consultations/<slug:slug>/report/v<int:version>/publish/",
        consultation_report.consultation_report_publish,
        name="consultation_report_publish",
    ),
    path(
        "consultations/<slug:slug>/report/",
        consultation_report.consultation_report,
        name="consultation_report",
    ),
    path(
        "consultations/<slug:slug>/report/report.pdf",
        consultation_report.consultation_report_file,
        {"kind": "pdf"},
        name="consultation_report_pdf",
    ),
    path(
        "consultations/<slug:slug>/report/report.xlsx",
        consultation_report.consultation_report_file,
        {"kind": "xlsx"},
        name="consultation_report_xlsx",
    ),
    path(
        "consultations/<slug:slug>/report/v<int:version>/",
        consultation_report.consultation_report_version,
        name="consultation_report_version",
    ),
    path(
        "consultations/<slug:slug>/report/v<int:version>/report.pdf",
        consultation_report.consultation_report_file,
        {"kind": "pdf"},
        name="consultation_report_version_pdf",
    ),
    path(
        "consultations/<slug:slug>/report/v<int:version>/report.xlsx",
        consultation_report.consultation_report_file,
        {"kind": "xlsx"},
        name="consultation_report_version_xlsx",
    ),
]
