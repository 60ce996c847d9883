"""Slots on the stages' pages that higher apps fill (core.panels)."""

from __future__ import annotations

from core.panels import PanelSlot

# The stage page: what the stage produced (thematic reports, recommendations, ...).
STAGE_PAGE = PanelSlot("stage page")
