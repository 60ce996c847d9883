"""Slots on the stages' pages that higher apps fill (core.panels)."""

from __future__ import annotations

from core.panels import ItemPanelSlot, PanelSlot

# The stage page: what the stage produced (thematic reports, recommendations, ...).
STAGE_PAGE = PanelSlot("stage page")

# The comparison of two versions of a consultation's document, under each section of the
# newer version: what led to the change (the answers to comments that changed it, opinions).
# The page's object is the newer DocumentVersion; items are keyed by Section id.
VERSION_COMPARISON_SECTION = ItemPanelSlot("section of a version comparison")

# A goal of the adopted strategy: where it came from (the recommendations behind it).
GOAL_PAGE = PanelSlot("strategy goal page")

# A goal's staff page: the recommendations linked to it and the way to link more.
STAFF_GOAL_PAGE = PanelSlot("strategy goal staff page")
