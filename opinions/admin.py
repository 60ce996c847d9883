from __future__ import annotations

from django.contrib import admin

from .models import SearchSynonyms


@admin.register(SearchSynonyms)
class SearchSynonymsAdmin(admin.ModelAdmin[SearchSynonyms]):
    list_display = ["words"]
    search_fields = ["words"]
