"""`manage.py generate_volume --settings=bench.settings ...`: the volume generator (bench.volume)
as a command. It exists only where the bench app is installed (bench/settings.py), never in the
product's settings."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bench.volume import generate


class Command(BaseCommand):
    help = "Generate force-scale incidents, assessments, victims, texts and QA data with COPY (issue 8)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incidents", type=int, required=True)
        parser.add_argument("--years", type=float, default=5)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--reset", action="store_true", help="Empty the generated tables first.")
        parser.add_argument("--chunk", type=int, default=20000, help="Incidents per COPY write.")
        parser.add_argument(
            "--workers", type=int, default=2, help="Producer processes, by day range (the data depends on it)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        generate(
            incidents=options["incidents"],
            years=options["years"],
            seed=options["seed"],
            reset=options["reset"],
            chunk=options["chunk"],
            workers=options["workers"],
            verbosity=options["verbosity"],
            stdout=self.stdout,
        )
