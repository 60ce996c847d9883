from __future__ import annotations

from django.urls import path

from .feeds import LatestUpdatesFeed
from .views import public, staff

app_name = "stages"

urlpatterns = [
    path("stages/<slug:slug>/", public.stage_detail, name="stage_detail"),
    path("updates/<int:pk>/", public.update_detail, name="update_detail"),
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
]
