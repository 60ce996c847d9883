from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stages.documents.parsing import DocumentRefused
from stages.documents.services import DocumentError, load_document
from stages.models import Consultation


class Command(BaseCommand):
    help = (
        "Load a consultation's document (.md or .docx) as a new draft version; --publish "
        "publishes it. Safe to re-run: the same file makes no second version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("consultation", help="the consultation's slug")
        parser.add_argument("file", help="a Markdown (.md) or Word (.docx) file")
        parser.add_argument(
            "--publish", action="store_true", help="publish the version (residents see it)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        consultation = Consultation.objects.filter(slug=options["consultation"]).first()
        if consultation is None:
            raise CommandError(f"No consultation has the slug “{options['consultation']}”.")
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        try:
            result = load_document(
                consultation=consultation,
                content=content,
                name=path.name,
                user=None,
                publish=options["publish"],
            )
        except (DocumentRefused, DocumentError) as error:
            raise CommandError(f"{path.name}: {error.message}") from error
        version = result.version
        sections = version.sections.count()
        state = "published" if version.is_published else "a draft"
        if result.created:
            message = f"Version {version.number} loaded ({sections} sections), {state}."
        else:
            message = (
                f"The file is the same as version {version.number} ({sections} sections), "
                f"which is {state}; nothing new loaded."
            )
        self.stdout.write(self.style.SUCCESS(f"{consultation.slug}: {message}"))
