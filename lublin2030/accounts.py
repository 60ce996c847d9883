"""allauth's adapter: where people land after logging in, and the name its e-mails greet
with."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from .landing import my_panel_url


class PortalAccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # A `next` address, when given, wins before allauth asks this.
        return my_panel_url(request) or super().get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Without the Sites framework allauth names the site after the host
        # ("Witamy z 127.0.0.1:8100!"): the e-mails greet with the portal's name instead.
        request = allauth_context.request
        domain = get_current_site(request).domain
        site = SimpleNamespace(name=settings.PORTAL_NAME, domain=domain)
        super().send_mail(template_prefix, email, {**context, "current_site": site})
