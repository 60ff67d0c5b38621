"""Print the readiness (as /readyz does) and exit 1 when not ready: the compose healthchecks of the
worker and beat, which ask only about their own part (--check outbox, --check beat)."""

import json

from django.core.management.base import BaseCommand, CommandError

from bma.pipeline.health import CHECKS, readiness


class Command(BaseCommand):
    help = "Readiness of processing (outbox age, beat heartbeat, broker) as JSON; exit status 1 when not ready."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="append",
            choices=CHECKS,
            help="Only these checks decide the exit status (repeatable; default: all).",
        )

    def handle(self, *args, check=None, **options):
        checks = tuple(check or CHECKS)
        body = readiness().as_json(checks)
        self.stdout.write(json.dumps(body))
        if not body["ready"]:
            raise CommandError("not ready: " + "; ".join(body["reasons"]))
