from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "opinions"
    verbose_name = _("Opinions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core import pagecache

        from . import browsers, panels, vocabulary
        from .analysis.search_index import ensure_search_index

        vocabulary.connect_signals()
        panels.register_panels()
        # SQLite's search index and its triggers (see opinions/analysis/search_index.py).
        post_migrate.connect(ensure_search_index, sender=self)
        pagecache.register_per_copy_step(
            browsers.VISITOR_STEP, browsers.give_visitor_cookie, cookies={browsers.COOKIE}
        )
