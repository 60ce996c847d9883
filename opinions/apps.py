from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "opinions"
    verbose_name = _("Opinions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import panels, vocabulary

        vocabulary.connect_signals()
        panels.register_panels()
