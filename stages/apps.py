from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StagesConfig(AppConfig):
    name = "stages"
    verbose_name = _("Process stages")
    default_auto_field = "django.db.models.BigAutoField"
