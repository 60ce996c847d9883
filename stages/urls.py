from __future__ import annotations

from django.urls import path

from .feeds import LatestUpdatesFeed
from .strategy import staff as strategy_staff
from .strategy import views as strategy
from .views import documents, public, setup, staff

app_name = "stages"

urlpatterns = [
    path("stages/<slug:slug>/", public.stage_detail, name="stage_detail"),
    path("updates/", public.update_list, name="update_list"),
    path("updates/<int:pk>/", public.update_detail, name="update_detail"),
    path("strategy/", strategy.strategy_detail, name="strategy"),
    path("strategy/goals/<str:code>/", strategy.goal_detail, name="strategy_goal"),
    path("strategy/tasks/<str:code>/", strategy.task_detail, name="strategy_task"),
    path("strategy/districts/<slug:slug>/", strategy.district_detail, name="strategy_district"),
    path("strategy/reports/", strategy.report_list, name="strategy_reports"),
    path("strategy/reports/<int:pk>/", strategy.report_detail, name="strategy_report"),
    path("staff/strategy/reports/", strategy_staff.staff_reports, name="staff_reports"),
    path(
        "staff/strategy/reports/<int:pk>/retry/",
        strategy_staff.staff_report_retry,
        name="staff_report_retry",
    ),
    path("staff/strategy/", strategy_staff.staff_strategy, name="staff_strategy"),
    path("staff/strategy/adoption/", strategy_staff.staff_adoption, name="staff_adoption"),
    path("staff/strategy/goals/new/", strategy_staff.staff_goal_create, name="staff_goal_create"),
    path("staff/strategy/goals/<str:code>/", strategy_staff.staff_goal, name="staff_goal"),
    path(
        "staff/strategy/goals/<str:code>/directions/",
        strategy_staff.staff_direction_add,
        name="staff_direction_add",
    ),
    path(
        "staff/strategy/goals/<str:code>/documents/",
        strategy_staff.staff_document_add,
        name="staff_document_add",
    ),
    path(
        "staff/strategy/goals/<str:code>/indicators/new/",
        strategy_staff.staff_indicator_create,
        name="staff_indicator_create",
    ),
    path(
        "staff/strategy/indicators/<slug:code>/",
        strategy_staff.staff_indicator,
        name="staff_indicator",
    ),
    path(
        "staff/strategy/directions/<str:code>/tasks/new/",
        strategy_staff.staff_task_create,
        name="staff_task_create",
    ),
    path("staff/strategy/tasks/<str:code>/", strategy_staff.staff_task, name="staff_task"),
    path(
        "staff/strategy/tasks/<str:code>/status/",
        strategy_staff.staff_task_status,
        name="staff_task_status",
    ),
    path(
        "staff/strategy/measurements/import/",
        strategy_staff.staff_measurement_import,
        name="staff_measurement_import",
    ),
    path("feeds/updates/", LatestUpdatesFeed(), name="updates_feed"),
    path("staff/updates/", staff.staff_update_list, name="staff_update_list"),
    path("staff/updates/new/", staff.staff_update_create, name="staff_update_create"),
    path("staff/updates/<int:pk>/", staff.staff_update_preview, name="staff_update_preview"),
    path("staff/updates/<int:pk>/edit/", staff.staff_update_edit, name="staff_update_edit"),
    path(
        "staff/updates/<int:pk>/publish/", staff.staff_update_publish, name="staff_update_publish"
    ),
    path(
        "staff/updates/<int:pk>/schedule/",
        staff.staff_update_schedule,
        name="staff_update_schedule",
    ),
    path(
        "staff/updates/<int:pk>/unpublish/",
        staff.staff_update_unpublish,
        name="staff_update_unpublish",
    ),
    path("staff/stages/", staff.staff_stage_list, name="staff_stage_list"),
    path("staff/stages/<int:pk>/status/", staff.staff_stage_pin, name="staff_stage_pin"),
    path("staff/stages/new/", setup.stage_edit, name="staff_stage_create"),
    path("staff/stages/<int:pk>/edit/", setup.stage_edit, name="staff_stage_edit"),
    # The process' thematic areas and districts (administrators)
    path("staff/areas/", setup.area_list, name="staff_area_list"),
    path("staff/areas/new/", setup.area_edit, name="staff_area_create"),
    path("staff/areas/<int:pk>/edit/", setup.area_edit, name="staff_area_edit"),
    path("staff/districts/", setup.district_list, name="staff_district_list"),
    path("staff/districts/new/", setup.district_edit, name="staff_district_create"),
    path("staff/districts/<int:pk>/edit/", setup.district_edit, name="staff_district_edit"),
    # Consultations and their documents (editors)
    path(
        "staff/consultations/",
        documents.staff_consultation_list,
        name="staff_consultation_list",
    ),
    path(
        "staff/consultations/new/",
        documents.staff_consultation_create,
        name="staff_consultation_create",
    ),
    path(
        "staff/consultations/<int:pk>/edit/",
        documents.staff_consultation_edit,
        name="staff_consultation_edit",
    ),
    path(
        "staff/consultations/<int:pk>/document/",
        documents.staff_document,
        name="staff_document",
    ),
    path(
        "staff/consultations/<int:pk>/document/upload/",
        documents.staff_document_upload,
        name="staff_document_upload",
    ),
    path(
        "staff/consultations/<int:pk>/versions/<int:number>/",
        documents.staff_version,
        name="staff_version",
    ),
    path(
        "staff/consultations/<int:pk>/versions/<int:number>/publish/",
        documents.staff_version_publish,
        name="staff_version_publish",
    ),
    path(
        "staff/consultations/<int:pk>/versions/<int:number>/discard/",
        documents.staff_version_discard,
        name="staff_version_discard",
    ),
    path(
        "staff/consultations/<int:pk>/versions/<int:a>/<int:b>/",
        documents.staff_version_compare,
        name="staff_version_compare",
    ),
    path(
        "staff/sections/<int:pk>/edit/",
        documents.staff_section_edit,
        name="staff_section_edit",
    ),
    # What changed between two published versions, for everyone.
    path(
        "consultations/<slug:slug>/versions/<int:a>/<int:b>/",
        documents.document_compare,
        name="document_compare",
    ),
]
