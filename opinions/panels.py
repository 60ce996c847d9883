"""Slots on the opinions' pages that higher apps fill (core.panels), and the panels that
the opinions app contributes to lower apps' pages."""

from __future__ import annotations

from core.panels import ItemPanel, Panel, PanelSlot

# The private tracking page of an opinion, under "What became of your opinion": each step
# it reached after publication (cited by a recommendation, adopted into a goal, ...).
TRACKING_PAGE = PanelSlot("opinion tracking page")
# The public page of a published opinion: where it was included and cited (or its answer).
OPINION_PAGE = PanelSlot("public opinion page")


def register_panels() -> None:
    """Called from OpinionsConfig.ready()."""
    from stages.panels import STAGE_PAGE, VERSION_COMPARISON_SECTION

    from .answers.panels import answers_by_changed_section
    from .answers.selectors import stage_consultations_panel
    from .reports.selectors import stage_reports_panel

    STAGE_PAGE.register(
        Panel(
            "thematic reports",
            "opinions/reports/partials/stage_panel.html",
            context=stage_reports_panel,
            order=10,
        )
    )
    STAGE_PAGE.register(
        Panel(
            "consultations",
            "opinions/consultations/partials/stage_panel.html",
            context=stage_consultations_panel,
            order=5,
        )
    )
    VERSION_COMPARISON_SECTION.register(
        ItemPanel(
            "answers that changed the section",
            "opinions/answers/partials/changed_section_panel.html",
            context=answers_by_changed_section,
            order=10,
        )
    )
