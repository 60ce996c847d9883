"""Demo accounts for every role, a few stage updates and demo opinions, for `make run`.

Safe to re-run. Passwords are generated on the first run and kept in var/demo-accounts.json
(git-ignored), so the repository holds no credentials and later runs print the same logins.

Opinions: the 240 sample cards of data/opinions-sample.csv and `--opinions N` generated
ones (default 12,000, a few seconds on SQLite; 0 for none). A re-run adds only what is
missing, so a larger N adds the difference (see opinions/demo.py).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from core.dbstats import refresh_planner_statistics
from core.roles import EDITORS, MODERATORS, VERIFIERS
from lublin2030.demo import consultations as consultations_demo
from lublin2030.demo import documents as documents_demo
from lublin2030.demo import opinions as demo
from lublin2030.demo import strategy as strategy_demo
from lublin2030.demo import workgroups as workgroups_demo
from lublin2030.models import User
from stages.models import Consultation, Stage, StageUpdate
from stages.services import updates

DEMO_ACCOUNTS: list[dict[str, Any]] = [
    {"email": "admin@demo.lublin2030.pl", "name": "Administrator", "groups": [], "super": True},
    {"email": "redakcja@demo.lublin2030.pl", "name": "Ewa Redaktorka", "groups": [EDITORS]},
    {"email": "moderacja@demo.lublin2030.pl", "name": "Marek Moderator", "groups": [MODERATORS]},
    {
        "email": "weryfikacja@demo.lublin2030.pl",
        "name": "Wanda Weryfikatorka",
        "groups": [VERIFIERS],
    },
    {"email": "mieszkanka@demo.lublin2030.pl", "name": "Anna Mieszkanka", "groups": []},
    # The leader and a member of the first working group (see workgroups/demo.py).
    {"email": "lider@demo.lublin2030.pl", "name": "Lena Liderka", "groups": [], "seat": "leader"},
    {"email": "czlonek@demo.lublin2030.pl", "name": "Cezary Członek", "groups": [], "seat": "city"},
]

DEMO_UPDATES = [
    (
        2,
        "Ponad 12 tysięcy odpowiedzi na pytanie „Jaki ma być Lublin w 2030 roku?”",
        "Dziękujemy! W ciągu etapu **Rozmawiamy o przyszłości Lublina** zebraliśmy ponad "
        "12 000 odpowiedzi – w internecie, w punktach mobilnych, na spotkaniach w dzielnicach "
        "i podczas warsztatów przyszłości.\n\nWszystkie opinie trafią do raportów tematycznych, "
        "na których oprą się Tematyczne Grupy Robocze.",
        400,
    ),
    (
        3,
        "Ruszył nabór do 12 Tematycznych Grup Roboczych",
        "Szukamy 120 osób: mieszkańców, przedstawicieli uczelni, biznesu, organizacji "
        "pozarządowych i administracji miejskiej.\n\n- 12 grup tematycznych\n"
        "- po 10 osób w każdej grupie\n- około 4 warsztaty na grupę",
        300,
    ),
    (
        8,
        "Rada Miasta uchwaliła Strategię Rozwoju Lublina na lata 2021–2030",
        "27 stycznia 2022 r. Rada Miasta Lublin przyjęła strategię. Dziękujemy wszystkim, "
        "którzy współtworzyli ją przez 36 miesięcy.",
        200,
    ),
    (
        9,
        "Wdrażanie strategii: pierwsze strategie sektorowe",
        "Rozpoczynamy prace nad strategiami sektorowymi, które rozwiną założenia "
        "Strategii Lublin 2030. Informacje o postępach będziemy publikować w tym miejscu.",
        30,
    ),
]


class Command(BaseCommand):
    help = (
        "Create demo accounts for each role, demo stage updates and demo opinions; "
        "prints the logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--opinions",
            type=int,
            default=demo.DEFAULT_COUNT,
            metavar="N",
            help=f"generated opinions besides the 240 sample ones (default "
            f"{demo.DEFAULT_COUNT}; 0 for none, not even the sample)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help=f"the generator's seed (default {demo.DEFAULT_SEED})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["opinions"] < 0:
            raise CommandError("--opinions must be 0 or more.")
        if not Stage.objects.exists():
            raise CommandError("Load a process first: python manage.py load_process")
        credentials = self._credentials()
        with transaction.atomic():
            users = {
                spec["email"]: self._account(spec, credentials[spec["email"]])
                for spec in DEMO_ACCOUNTS
            }
            self._updates(users["redakcja@demo.lublin2030.pl"])
        if options["opinions"]:
            self._opinions(options["opinions"], options["seed"], options["verbosity"])
        self._working_groups(users, options["seed"], options["verbosity"])
        self._draft_strategy(users, options["verbosity"])
        self._consultation_comments(
            users, options["seed"], options["verbosity"], comments=options["opinions"] > 0
        )
        self._adopted_strategy(users, options["seed"], options["verbosity"])
        # SQLite has no planner statistics until ANALYZE runs (core/dbstats.py).
        refresh_planner_statistics()
        if options["verbosity"] < 1:
            return
        self.stdout.write(self.style.SUCCESS("Demo accounts (log in at /accounts/login/):"))
        for spec in DEMO_ACCOUNTS:
            role = ", ".join(spec["groups"]) or (
                "superuser" if spec.get("super") else _demo_role(spec.get("seat"))
            )
            self.stdout.write(f"  {role:<12} {spec['email']:<34} {credentials[spec['email']]}")

    def _credentials(self) -> dict[str, str]:
        path = settings.VAR_DIR / "demo-accounts.json"
        stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        for spec in DEMO_ACCOUNTS:
            stored.setdefault(spec["email"], secrets.token_urlsafe(9))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
        return stored

    def _account(self, spec: dict[str, Any], password: str) -> User:
        user = User.objects.filter(email=spec["email"]).first()
        if user is None:
            user = User(username=spec["email"].split("@")[0], email=spec["email"])
        user.display_name = spec["name"]
        user.is_superuser = user.is_staff = bool(spec.get("super"))
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=spec["groups"]))
        EmailAddress.objects.update_or_create(
            user=user, email=spec["email"], defaults={"verified": True, "primary": True}
        )
        return user

    def _opinions(self, count: int, seed: int, verbosity: int) -> None:
        consultation = (
            Consultation.objects.filter(kind=Consultation.Kind.OPEN_QUESTION)
            .order_by("opens_at", "pk")
            .first()
        )
        if consultation is None:
            self.stderr.write("No open question in this process: no demo opinions.")
            return

        def progress(done: int, total: int) -> None:
            if verbosity >= 1 and total >= 100_000 and (done % 100_000 == 0 or done == total):
                self.stdout.write(f"  {done:,} / {total:,} opinions".replace(",", " "))

        sample = demo.seed_sample_opinions(consultation=consultation)
        generated = demo.seed_demo_opinions(
            consultation=consultation, count=count, seed=seed, progress=progress
        )
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo opinions: {sample.created} sample and {generated.created} generated "
                    f"added, {sample.existing + generated.existing} already there "
                    f"({sample.seconds + generated.seconds:.1f} s)."
                )
            )

    def _working_groups(self, users: dict[str, User], seed: int, verbosity: int) -> None:
        summary = workgroups_demo.seed_working_groups(
            seed=seed,
            named_members=[
                (users[spec["email"]], spec["seat"]) for spec in DEMO_ACCOUNTS if "seat" in spec
            ],
            verifier=users["weryfikacja@demo.lublin2030.pl"],
            editor=users["redakcja@demo.lublin2030.pl"],
        )
        if summary.created and verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Working groups: {summary.groups} groups, {summary.members} members, "
                    f"{summary.recommendations} recommendations, {summary.versions} versions, "
                    f"{summary.evidence_links} evidence links."
                )
            )

    def _draft_strategy(self, users: dict[str, User], verbosity: int) -> None:
        result = documents_demo.seed_draft_strategy(editor=users["redakcja@demo.lublin2030.pl"])
        if result is not None and result.created and verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Draft strategy: {documents_demo.SLUG}, version {result.version.number} "
                    f"published ({result.version.sections.count()} sections)."
                )
            )

    def _consultation_comments(
        self, users: dict[str, User], seed: int, verbosity: int, *, comments: bool
    ) -> None:
        """The recommendations' consultation, open; comments and answers on every consulted
        document that has a published version (unless no opinions at all are wanted)."""
        consultations_demo.seed_recommendations_consultation(now=timezone.now())
        if not comments:
            return
        documents = Consultation.objects.filter(
            kind=Consultation.Kind.DOCUMENT, document_versions__status="published"
        ).distinct()
        for consultation in documents:
            summary = consultations_demo.seed_consultation_comments(
                consultation=consultation,
                moderator=users["moderacja@demo.lublin2030.pl"],
                editor=users["redakcja@demo.lublin2030.pl"],
                seed=seed,
            )
            if verbosity >= 1 and summary.comments:
                self.stdout.write(
                    f"{consultation.slug}: {summary.comments} comments, {summary.answers} "
                    f"answers ({summary.published_answers} published)"
                )

    def _adopted_strategy(self, users: dict[str, User], seed: int, verbosity: int) -> None:
        summary = strategy_demo.seed_adopted_strategy(
            editor=users["redakcja@demo.lublin2030.pl"], seed=seed
        )
        if summary.created and verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Adopted strategy: {summary.measurements} measurements, {summary.tasks} "
                    f"tasks, {summary.updates} updates, {summary.links} recommendations linked."
                )
            )

    def _updates(self, author: User) -> None:
        now = timezone.now()
        for number, title, body, days_ago in DEMO_UPDATES:
            stage = Stage.objects.filter(number=number).first()
            if stage is None or StageUpdate.objects.filter(title=title).exists():
                continue
            update = updates.create_update(author=author, stage=stage, title=title, body=body)
            updates.publish_update(update=update, now=now - dt.timedelta(days=days_ago))


def _demo_role(seat: object) -> str:
    """A demo account's label by its role: a group's leader or member (whatever the
    member's sector seat), or a resident."""
    if seat is None:
        return "resident"
    return "leader" if seat == "leader" else "member"
