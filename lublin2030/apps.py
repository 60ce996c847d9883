from __future__ import annotations

from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "lublin2030"
    verbose_name = "Lublin 2030"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.panels import Panel
        from stages.panels import STAGE_PAGE

        from . import signals
        from .stage_results import stage_results_panel

        signals.connect()
        STAGE_PAGE.register(
            Panel(
                "what the stage produced",
                "partials/stage_results.html",
                context=stage_results_panel,
                order=1,
            )
        )
