from __future__ import annotations

from django.contrib import admin

from .models import District, Process, Stage, StageUpdate, ThematicArea


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin[Process]):
    list_display = ["name", "city", "question"]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin[Stage]):
    list_display = ["number", "title", "period_start", "period_end", "pinned_status"]


@admin.register(ThematicArea)
class ThematicAreaAdmin(admin.ModelAdmin[ThematicArea]):
    list_display = ["number", "name", "slug"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin[District]):
    list_display = ["name", "slug"]


@admin.register(StageUpdate)
class StageUpdateAdmin(admin.ModelAdmin[StageUpdate]):
    list_display = ["title", "stage", "status", "publish_at", "author"]
    list_filter = ["status", "stage"]
    # State changes go through stages.services (the staff pages), not through the admin.
    readonly_fields = ["status", "publish_at", "author"]
