from __future__ import annotations

from django.urls import path

from . import views
from .feeds import LatestUpdatesFeed

app_name = "stages"

urlpatterns = [
    path("stages/<slug:slug>/", views.stage_detail, name="stage_detail"),
    path("updates/<int:pk>/", views.update_detail, name="update_detail"),
    path("feeds/updates/", LatestUpdatesFeed(), name="updates_feed"),
    path("staff/updates/", views.staff_update_list, name="staff_update_list"),
    path("staff/updates/new/", views.staff_update_create, name="staff_update_create"),
    path("staff/updates/<int:pk>/", views.staff_update_preview, name="staff_update_preview"),
    path("staff/updates/<int:pk>/edit/", views.staff_update_edit, name="staff_update_edit"),
    path(
        "staff/updates/<int:pk>/publish/", views.staff_update_publish, name="staff_update_publish"
    ),
    path(
        "staff/updates/<int:pk>/schedule/",
        views.staff_update_schedule,
        name="staff_update_schedule",
    ),
    path(
        "staff/updates/<int:pk>/unpublish/",
        views.staff_update_unpublish,
        name="staff_update_unpublish",
    ),
    path("staff/stages/", views.staff_stage_list, name="staff_stage_list"),
    path("staff/stages/<int:pk>/status/", views.staff_stage_pin, name="staff_stage_pin"),
]
