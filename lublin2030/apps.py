from __future__ import annotations

from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "lublin2030"
    verbose_name = "Lublin 2030"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals

        signals.connect()
