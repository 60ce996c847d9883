"""E-mails to applicants about the decision on their application (sent by a Celery task)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..models import Application, Membership

DECISION_SUBJECTS: dict[str, str] = {
    Application.Decision.SELECTED: gettext_noop("You are a member of a working group"),
    Application.Decision.WAITLISTED: gettext_noop("You are on a working group's waiting list"),
    Application.Decision.REJECTED: gettext_noop("The result of your working group application"),
}


def notify_applicant(*, application_id: int, now: dt.datetime | None = None) -> bool:
    """E-mail one applicant their decision; False when there is nothing to send (any more).

    The application stays locked until the e-mail is handed over: a second run waits, then
    sees `notified_at` and sends nothing. If sending fails, nothing is marked, so a retry
    sends it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("call", "applicant", "waitlist_group__area")
            .filter(pk=application_id, notified_at__isnull=True)
            .first()
        )
        if application is None or application.call.announced_at is None:
            return False
        if application.decision not in DECISION_SUBJECTS or not application.applicant.email:
            return False
        membership = Membership.objects.filter(application=application).select_related(
            "group__area"
        )
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "application": application,
                "membership": membership.first(),
                "call": application.call,
            }
            subject = _(DECISION_SUBJECTS[application.decision])
            body = render_to_string("workgroups/emails/decision.txt", context)
        send_mail(subject, body, None, [application.applicant.email])
        application.notified_at = now
        application.save(update_fields=["notified_at"])
    return True
