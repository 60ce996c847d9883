"""Telling a comment's author the published answer (the form's notice promises it)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Opinion
from ..services.author_mail import absolute, stop_url
from .models import ConsultationAnswer


def send_answer_to_author(*, opinion_id: int, now: dt.datetime | None = None) -> bool:
    """E-mail the published answer once; False when there is nothing (more) to send.

    Like the tracking link: locked until handed over, marked only once sent, so a retry
    after a mail-server failure sends it exactly once.
    """
    with transaction.atomic():
        opinion = (
            Opinion.objects.select_for_update(of=("self",))
            .filter(
                pk=opinion_id,
                status=Opinion.Status.PUBLISHED,
                answer_mailed_at__isnull=True,
                answer__status=ConsultationAnswer.Status.PUBLISHED,
            )
            .exclude(author_email="")
            .select_related("answer", "section", "consultation")
            .first()
        )
        if opinion is None:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "opinion": opinion,
                "answer": opinion.answer,
                "portal_name": settings.PORTAL_NAME,
                "tracking_url": absolute(opinion.get_tracking_url()),
                "stop_url": absolute(stop_url(opinion)),
            }
            subject = _("The answer to your comment")
            body = render_to_string("opinions/emails/answer.txt", context)
        send_mail(subject, body, None, [opinion.author_email])
        opinion.answer_mailed_at = now or timezone.now()
        opinion.save(update_fields=["answer_mailed_at"])
    return True
