"""Replay processing for a chosen set of submissions (safe: every step is idempotent)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from bma.pipeline.services import submissions_reprocess
from bma.rounds.models import Round
from bma.submissions.models import ProcessingState, Submission


class Command(BaseCommand):
    help = "Process stored submissions again, e.g. after adding a mapper version or fixing the gazetteer."

    def add_arguments(self, parser):
        parser.add_argument(
            "--round", type=int, dest="round_number", help="round number: every submission of the round"
        )
        parser.add_argument("--form", help="formID, e.g. bma_b2")
        parser.add_argument("--form-version", dest="form_version", help="form version string")
        parser.add_argument("--since", help="received on or after this date (YYYY-MM-DD)")
        parser.add_argument("--until", help="received before this date (YYYY-MM-DD)")
        parser.add_argument("--state", choices=[s.value for s in ProcessingState], help="only rows in this state")

    def handle(
        self, *args, round_number=None, form=None, form_version=None, since=None, until=None, state=None, **options
    ):
        queryset = Submission.objects.all()
        if round_number is not None:
            if not Round.objects.filter(number=round_number).exists():
                raise CommandError(f"There is no round {round_number}.")
            queryset = queryset.filter(round__number=round_number)
        if form:
            queryset = queryset.filter(form__xml_form_id=form)
        if form_version:
            queryset = queryset.filter(form_version__version=form_version)
        try:
            if since:
                queryset = queryset.filter(created_at__date__gte=dt.date.fromisoformat(since))
            if until:
                queryset = queryset.filter(created_at__date__lt=dt.date.fromisoformat(until))
        except ValueError as exc:
            raise CommandError(f"Dates are YYYY-MM-DD: {exc}") from exc
        if state:
            queryset = queryset.filter(state=state)
        count = submissions_reprocess(queryset)
        self.stdout.write(f"{count} submissions queued for processing")
