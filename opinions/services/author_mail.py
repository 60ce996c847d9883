"""E-mail to an opinion's author, who left an address to hear what became of it.

The address is used for nothing else. The first message carries the private tracking link
(the page the author may have lost with the tab); every message carries a link that stops
them, which erases the address.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.security import log_security_event

from ..models import Opinion


def absolute(path: str) -> str:
    base = settings.PORTAL_URL or f"http://{settings.ALLOWED_HOSTS[0]}"
    return base.rstrip("/") + path


def send_tracking_link(*, opinion_id: int, now: dt.datetime | None = None) -> bool:
    """E-mail the tracking link once; False when there is nothing (more) to send.

    The opinion stays locked until the message is handed over: a second run waits, then
    finds it sent. If sending fails nothing is marked, so the task's retry sends it.
    """
    with transaction.atomic():
        opinion = (
            Opinion.objects.select_for_update()
            .filter(pk=opinion_id, tracking_link_sent_at__isnull=True)
            .exclude(author_email="")
            .first()
        )
        if opinion is None:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "opinion": opinion,
                "portal_name": settings.PORTAL_NAME,
                "tracking_url": absolute(opinion.get_tracking_url()),
                "stop_url": absolute(stop_url(opinion)),
            }
            subject = _("Your opinion: the link to follow what becomes of it")
            body = render_to_string("opinions/emails/tracking_link.txt", context)
        send_mail(subject, body, None, [opinion.author_email])
        opinion.tracking_link_sent_at = now or timezone.now()
        opinion.save(update_fields=["tracking_link_sent_at"])
    return True


def stop_url(opinion: Opinion) -> str:
    return reverse("opinions:stop_emails", kwargs={"token": opinion.tracking_token})


def stop_author_emails(*, opinion: Opinion) -> bool:
    """No more e-mail about this opinion: its author's address is erased. False if none."""
    erased = Opinion.objects.filter(pk=opinion.pk).exclude(author_email="").update(author_email="")
    if erased:
        log_security_event("author e-mail address erased on request", opinion=opinion.pk)
    opinion.author_email = ""
    return bool(erased)
