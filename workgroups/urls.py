"""Every path of the working groups app, by part of their work."""

from __future__ import annotations

from django.urls import path

from workgroups.views import (
    goals,
    numbers,
    recommendations,
    recruitment,
    strategy,
    summary,
    verification,
    workspace,
)

app_name = "workgroups"

urlpatterns = [
    # The whole in numbers: how many opinions reached each step, and which
    path("numbers/", numbers.numbers_page, name="numbers"),
    path("numbers/<slug:step>/", numbers.step_list, name="numbers_step"),
    # The walk back from a goal of the strategy to the opinions behind it
    path("strategy/goals/<str:code>/opinions/", goals.goal_opinions, name="goal_opinions"),
    # Recruitment: calls, applications, selection, rosters
    path("groups/", recruitment.group_list, name="group_list"),
    path("groups/<slug:slug>/", recruitment.group_detail, name="group_detail"),
    path("calls/<int:pk>/", recruitment.call_detail, name="call_detail"),
    path("calls/<int:pk>/apply/", recruitment.apply, name="apply"),
    path("staff/calls/", recruitment.call_staff_list, name="call_staff_list"),
    path("staff/calls/new/", recruitment.call_create, name="call_create"),
    path("staff/calls/<int:pk>/edit/", recruitment.call_edit, name="call_edit"),
    path("staff/calls/seats/<slug:slug>/", recruitment.quota_edit, name="quota_edit"),
    path(
        "staff/calls/<int:pk>/applications/", recruitment.application_list, name="application_list"
    ),
    path(
        "staff/calls/<int:pk>/applications/<int:application_pk>/notes/",
        recruitment.application_notes,
        name="application_notes",
    ),
    path("staff/calls/<int:pk>/selection/", recruitment.selection, name="selection"),
    path("staff/calls/<int:pk>/announce/", recruitment.announce, name="announce"),
    path("staff/calls/<int:pk>/draws/<int:draw_pk>/", recruitment.draw_detail, name="draw_detail"),
    # The group's workspace: reports, opinions, workshops
    path("groups/<slug:slug>/workspace/", workspace.workspace, name="workspace"),
    path(
        "groups/<slug:slug>/workspace/opinions/",
        workspace.workspace_opinions,
        name="workspace_opinions",
    ),
    path(
        "groups/<slug:slug>/workspace/reports/<int:pk>/",
        workspace.workspace_report,
        name="workspace_report",
    ),
    path("groups/<slug:slug>/workshops/", workspace.workshop_list, name="workshop_list"),
    path("groups/<slug:slug>/workshops/new/", workspace.workshop_create, name="workshop_create"),
    path(
        "groups/<slug:slug>/workshops/<int:pk>/", workspace.workshop_detail, name="workshop_detail"
    ),
    path(
        "groups/<slug:slug>/workshops/<int:pk>/edit/", workspace.workshop_edit, name="workshop_edit"
    ),
    # Recommendations: editor, versions, public pages
    path(
        "groups/<slug:slug>/recommendations/new/",
        recommendations.recommendation_new,
        name="recommendation_new",
    ),
    path("recommendations/", recommendations.recommendation_list, name="recommendation_list"),
    path(
        "recommendations/<int:pk>/",
        recommendations.recommendation_public,
        name="recommendation_public",
    ),
    path(
        "recommendations/<int:pk>/work/",
        recommendations.recommendation_detail,
        name="recommendation_detail",
    ),
    path(
        "recommendations/<int:pk>/edit/",
        recommendations.recommendation_edit,
        name="recommendation_edit",
    ),
    path(
        "recommendations/<int:pk>/versions/",
        recommendations.recommendation_versions,
        name="recommendation_versions",
    ),
    path(
        "recommendations/<int:pk>/compare/",
        recommendations.recommendation_compare,
        name="recommendation_compare",
    ),
    path(
        "recommendations/<int:pk>/restore/",
        recommendations.recommendation_restore,
        name="recommendation_restore",
    ),
    path(
        "recommendations/<int:pk>/submit/",
        recommendations.recommendation_submit,
        name="recommendation_submit",
    ),
    path(
        "recommendations/<int:pk>/publish/",
        recommendations.recommendation_publish,
        name="recommendation_publish",
    ),
    # Verification: the verifiers' queue and verdicts
    path("staff/verification/", verification.verification_queue, name="verification_queue"),
    path("staff/verification/<int:pk>/", verification.verify, name="verify"),
    path("staff/verification/<int:pk>/start/", verification.verify_start, name="verify_start"),
    # The strategy: which goal each recommendation became, adopted or not (editors)
    path(
        "staff/strategy/goals/<str:code>/recommendations/",
        strategy.staff_goal_links,
        name="staff_goal_links",
    ),
    path(
        "staff/strategy/goals/<str:code>/recommendations/<int:pk>/unlink/",
        strategy.staff_unlink,
        name="staff_unlink",
    ),
    path(
        "staff/strategy/goals/<str:code>/recommendations/not-adopted/",
        strategy.staff_not_adopted,
        name="staff_not_adopted",
    ),
    # The groups' work summed up (end of stage III)
    path("recommendations/summary/", summary.summary_latest, name="summary_latest"),
    path("recommendations/summary/<int:pk>/", summary.summary_detail, name="summary_detail"),
    path("staff/recommendations/summary/", summary.summary_staff, name="summary_staff"),
]
