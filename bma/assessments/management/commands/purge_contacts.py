"""Delete informants' contact details of rounds closed more than BMA_CONTACT_RETENTION_DAYS ago."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bma.assessments import retention
from bma.rounds.models import Round


class Command(BaseCommand):
    help = (
        "Delete informants' names and phones (typed rows and the personal answers in raw payloads) of "
        "closed rounds whose retention period is over. The figures are not touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, help="only this round (it must be due)")
        parser.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")
        parser.add_argument("--user", help="the user name to record as having asked for it (e.g. a coordinator)")

    def handle(self, *args, round=None, dry_run=False, user=None, **options):
        job = "manage.py purge_contacts"
        days = retention.retention_days()
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"There is no user '{user}'.") from None
        if round is not None:
            try:
                round_ = Round.objects.get(number=round)
            except Round.DoesNotExist:
                raise CommandError(f"There is no round {round}.") from None
            try:
                results = [retention.round_contacts_purge(round_, job=job, actor=actor, dry_run=dry_run)]
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        else:
            results = retention.contacts_purge_due(job=job, actor=actor, dry_run=dry_run)
            if not results:
                self.stdout.write(f"No closed round is past its {days}-day retention period.")
        verb = "would delete" if dry_run else "deleted"
        for r in results:
            self.stdout.write(
                f"Round {r.round_number}: {verb} the contacts of {r.informants} informants and "
                f"{r.answers} personal answers in {r.payloads} raw submissions"
                + (f"; {r.unreadable} unreadable submissions left as they were" if r.unreadable else "")
                + (f"; {verb} {r.exports} export files with personal data made before" if r.exports else "")
                + "."
            )
