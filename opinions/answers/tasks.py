"""Celery tasks of the answers to consultation comments."""

from __future__ import annotations

from celery import shared_task

from core.tasks import MAIL_TASK_OPTIONS

from . import mail


@shared_task(name="opinions.answers.tasks.send_answer_to_author", **MAIL_TASK_OPTIONS)
def send_answer_to_author(opinion_id: int) -> bool:
    """E-mail a comment's author the published answer (once)."""
    return mail.send_answer_to_author(opinion_id=opinion_id)
