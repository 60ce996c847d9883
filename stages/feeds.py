from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .models import StageUpdate


class LatestUpdatesFeed(Feed[StageUpdate, None]):
    feed_type = Atom1Feed
    title = settings.PORTAL_NAME
    subtitle = _("Updates on the stages of the strategy process")
    link = reverse_lazy("home")

    def items(self) -> QuerySet[StageUpdate]:
        return StageUpdate.objects.visible().latest_first().select_related("stage", "author")[:30]

    def item_title(self, item: StageUpdate) -> str:
        return item.title

    def item_description(self, item: StageUpdate) -> str:
        return str(item.body_html)

    def item_pubdate(self, item: StageUpdate) -> dt.datetime | None:
        return item.publish_at

    def item_updateddate(self, item: StageUpdate) -> dt.datetime:
        return item.updated_at

    def item_categories(self, item: StageUpdate) -> list[str]:
        return [f"{item.stage.roman}. {item.stage.title}"]
