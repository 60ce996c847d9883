"""Panels that a higher layer contributes to a lower layer's page.

A page of a lower app sometimes shows what a higher app made of its object: the stage page
lists the thematic reports of the stage (opinions), the tracking page of an opinion says
what became of it (working groups, the strategy). The lower app cannot import the higher
one, so it declares a slot (`STAGE_PAGE = PanelSlot("stage page")`), its view renders the
slot, and the higher app registers a panel in its `AppConfig.ready()`:

    STAGE_PAGE.register(Panel("reports", "opinions/reports/partials/stage_panel.html",
                              context=reports_panel_context, order=10))

A panel's `context` returns the template's context, or None to show nothing. It runs once
per page view, so it should cost a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

PanelContext = Callable[[HttpRequest, Any], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: PanelContext
    order: int = 100


class PanelSlot:
    """A place on a page where higher layers' panels appear, in their `order`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._panels: dict[str, Panel] = {}

    def register(self, panel: Panel) -> None:
        # Keyed by name: registering again (ready() runs again in some test set-ups)
        # replaces the panel instead of showing it twice.
        self._panels[panel.name] = panel

    def unregister(self, name: str) -> None:
        self._panels.pop(name, None)

    @property
    def panels(self) -> list[Panel]:
        return sorted(self._panels.values(), key=lambda panel: (panel.order, panel.name))

    def render(self, request: HttpRequest, obj: Any) -> list[SafeString]:
        """Each panel's HTML, for the page to place; panels with nothing to show are left out."""
        rendered = []
        for panel in self.panels:
            context = panel.context(request, obj)
            if context is None:
                continue
            html = render_to_string(panel.template, dict(context), request=request)
            rendered.append(mark_safe(html))  # noqa: S308 - a template's autoescaped output
        return rendered


ItemsContext = Callable[[HttpRequest, Any], Mapping[Any, Mapping[str, Any]]]


@dataclass(frozen=True)
class ItemPanel:
    name: str
    template: str
    # The context of each item the panel has something for, by the item's id.
    context: ItemsContext
    order: int = 100


class ItemPanelSlot:
    """A place repeated for each item of a page (each section of a version comparison).

    A panel's `context` runs once per page view with the page's object and returns the
    context of every item it has something to show for, keyed by the item's id: one query
    for the page, however many items it lists. The page asks `render` for the HTML of each
    item's panels once and places them by id.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._panels: dict[str, ItemPanel] = {}

    def register(self, panel: ItemPanel) -> None:
        self._panels[panel.name] = panel

    def unregister(self, name: str) -> None:
        self._panels.pop(name, None)

    @property
    def panels(self) -> list[ItemPanel]:
        return sorted(self._panels.values(), key=lambda panel: (panel.order, panel.name))

    def render(self, request: HttpRequest, obj: Any) -> dict[Any, list[SafeString]]:
        """Each item's panels' HTML, by the item's id (items with nothing are absent)."""
        rendered: dict[Any, list[SafeString]] = {}
        for panel in self.panels:
            for item, context in panel.context(request, obj).items():
                html = render_to_string(panel.template, dict(context), request=request)
                rendered.setdefault(item, []).append(mark_safe(html))  # noqa: S308 - autoescaped
        return rendered
