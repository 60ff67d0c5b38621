"""Build forms_xls/*.xlsx with ODK Validate and publish new versions; refresh the open rounds' list files."""

from django.core.management.base import BaseCommand, CommandError

from bma.core.errors import BmaError
from bma.rounds.models import Round, RoundState
from bma.xforms.services import forms_publish_all, list_files_refresh, round_forms_publish


class Command(BaseCommand):
    help = "Publish the forms in forms_xls/ (unchanged forms are left alone) and refresh list files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--round", type=int, help="Also publish the B2 version of this round (its reference years)."
        )

    def handle(self, *args, **options):
        try:
            published = forms_publish_all()
            if options.get("round") is not None:
                round_ = Round.objects.filter(number=options["round"]).first()
                if round_ is None:
                    raise CommandError(f"There is no round {options['round']}.")
                # Its list files too: a planned round's B2 must be deliverable the day it opens.
                published.append(round_forms_publish(round_))
        except BmaError as exc:
            raise CommandError(exc.message) from exc
        for version, created in published:
            state = "published" if created else "unchanged"
            self.stdout.write(f"{version.form.xml_form_id} {version.version}: {state}")
        for round in Round.objects.filter(state=RoundState.OPEN):
            changed = list_files_refresh(round)
            self.stdout.write(
                f"{round}: list files " + ", ".join(f"{k}{' (new)' if v else ''}" for k, v in changed.items())
            )
