"""Telling an opinion's author when it reaches a step: at most one e-mail a day, a digest.

The author left an address to hear what became of the opinion (the answer form says so).
Each day a beat job looks at the opinions whose authors left one, walks their trace and,
where steps were reached since the last message, sends one message listing them. The steps
already told are kept on the opinion (their keys), so a re-run, or a second worker, sends
nothing twice. The answer to a consultation comment has its own message (opinions.answers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opinions.models import Opinion
from opinions.selectors import author_mail_links
from stages.models import Consultation

from .trace import TraceStep, trace

# The job runs once a day; a margin keeps a run that starts a little earlier than the last
# (or a 23-hour day at the clock change) from skipping everyone.
DIGEST_INTERVAL = dt.timedelta(hours=20)
# Told by their own message, or not news to the author.
NOT_IN_DIGEST = {"received", "answer"}
BATCH = 200


def step_key(step: TraceStep) -> str:
    """What identifies a reached step: its kind and what it links to. Never its words,
    which change with a translation (a corrected message must not send a digest again)."""
    return f"{step.kind}|{step.url}"


def reached_steps(opinion: Opinion) -> list[TraceStep]:
    """The reached steps, each report version and recommendation as its own step."""
    steps: list[TraceStep] = []
    for step in trace(opinion):
        if not step.reached or step.kind in NOT_IN_DIGEST:
            continue
        steps.append(step)
        steps.extend(sub for sub in step.substeps if sub.reached)
    return steps


def due_opinions(now: dt.datetime) -> Iterator[int]:
    """Ids of opinions whose authors may get a digest now (address left, none in a day)."""
    # Comments on a consulted document hear only their answer (their form promises that).
    due = (
        Opinion.objects.exclude(author_email="")
        .filter(consultation__kind=Consultation.Kind.OPEN_QUESTION)
        .exclude(status=Opinion.Status.PENDING)
        .filter(Q(trace_mailed_at__isnull=True) | Q(trace_mailed_at__lte=now - DIGEST_INTERVAL))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    yield from due.iterator(chunk_size=BATCH)


def send_trace_digests(*, now: dt.datetime | None = None) -> int:
    """One digest per author with news; returns how many were sent."""
    now = now or timezone.now()
    return sum(send_trace_digest(opinion_id=pk, now=now) for pk in due_opinions(now))


def send_trace_digest(*, opinion_id: int, now: dt.datetime | None = None) -> bool:
    """E-mail the steps this opinion reached since the last message; False if none.

    Locked while sending and marked only once sent: a failure leaves it for the next run.
    """
    now = now or timezone.now()
    with transaction.atomic():
        opinion = (
            Opinion.objects.select_for_update(of=("self",))
            .filter(pk=opinion_id)
            .exclude(author_email="")
            .filter(Q(trace_mailed_at__isnull=True) | Q(trace_mailed_at__lte=now - DIGEST_INTERVAL))
            .select_related("consultation", "answer__changed_section__version__consultation")
            .first()
        )
        if opinion is None:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            steps = reached_steps(opinion)
            told = set(opinion.trace_mailed_steps)
            new = [step for step in steps if step_key(step) not in told]
            if not new:
                return False
            tracking_url, stop_url = author_mail_links(opinion)
            context = {
                "opinion": opinion,
                "steps": new,
                "portal_name": settings.PORTAL_NAME,
                "tracking_url": tracking_url,
                "stop_url": stop_url,
            }
            subject = _("What became of your opinion: news")
            body = render_to_string("workgroups/emails/trace_digest.txt", context)
        send_mail(subject, body, None, [opinion.author_email])
        opinion.trace_mailed_steps = sorted(told | {step_key(step) for step in steps})
        opinion.trace_mailed_at = now
        opinion.save(update_fields=["trace_mailed_steps", "trace_mailed_at"])
    return True
