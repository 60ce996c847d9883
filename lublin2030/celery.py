"""The Celery application: settings come from Django's, under the CELERY_ namespace."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lublin2030.settings")

app = Celery("lublin2030")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The opinions app keeps each subsystem's tasks beside it.
app.autodiscover_tasks(["opinions.analysis", "opinions.importing", "opinions.reports"])


@worker_process_init.connect
def warm_up_text_analysis(**kwargs: object) -> None:
    # Loading the Polish dictionary takes seconds; pay it when a worker process starts,
    # not inside the first opinion's analysis.
    from opinions.analysis.text import warm_up

    warm_up()
