"""`manage.py summaries_build [--from YYYY-MM] [--to YYYY-MM]`: (re)build the monthly summary
of the QA, compliance, Victims' Code and exemption-audit figures (qa.summary) for a range of
settled months; by default every month from the oldest incident's to last month, with
`--missing` only those never built or changed since (what the beat sweep does, unbounded). Safe to run
at any time, beside the beat sweep: each month is built under its own lock."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qa.rules import month_parse
from qa.summary import summaries_enabled
from qa.summary_build import month_build, months_to_build, summaries_build


class Command(BaseCommand):
    help = "Build the monthly summary of the QA and compliance figures for a range of settled months."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", default="", help="First month, YYYY-MM (default: the oldest)")
        parser.add_argument("--to", dest="last", default="", help="Last month, YYYY-MM (default: last month)")
        parser.add_argument(
            "--missing", action="store_true", help="Only the months never built or changed since (as the sweep)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            first = month_parse(options["first"]) if options["first"] else None
            last = month_parse(options["last"]) if options["last"] else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if first and last and first > last:
            raise CommandError("--to must be the same as or after --from")
        if not summaries_enabled():
            self.stdout.write("The monthly summary needs PostgreSQL: every month is counted live here.")
            return
        if options["missing"]:
            if first or last:
                raise CommandError("--missing builds every missing month: leave out --from and --to")
            built = sorted(months_to_build())
            built = [month for month in built if month_build(month)]
        else:
            built = summaries_build(first, last)
        if built:
            self.stdout.write(f"Built {len(built)} months: {built[0]:%Y-%m} to {built[-1]:%Y-%m}.")
        else:
            self.stdout.write("No settled month to build.")
