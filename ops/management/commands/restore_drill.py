"""`manage.py restore_drill` (`make restore-drill`): prove the backups restore. See
ops/backups.py; exits 1 when the restored database differs from the one dumped."""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ops.backups import drill, figures


class Command(BaseCommand):
    help = "Dump the database, restore it into a fresh one, migrate, and compare incidents, QA table and audit log."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dump", help="Where to write the dump (default var/backups/drill-<time>.dump).")
        parser.add_argument("--keep", action="store_true", help="Keep the restored database.")
        parser.add_argument("--figures", action="store_true", help="Only print this database's figures as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["figures"]:
            self.stdout.write(json.dumps(figures()))
            return
        dump = Path(
            options["dump"] or Path(settings.VAR_DIR) / "backups" / f"drill-{timezone.now():%Y%m%dT%H%M%S}.dump"
        )
        result = drill(dump_path=dump, keep=options["keep"])
        before = result["before"]
        qa_same = "the same" if before["qa_table"] == result["after"]["qa_table"] else "DIFFERENT"
        self.stdout.write(
            f"Dumped to {dump}; restored into {result['restored_into']} and migrated.\n"
            f"Incidents: {before['incidents']} before, {result['after']['incidents']} after.\n"
            f"QA table: {len(before['qa_table'])} months, {qa_same}.\n"
            f"Audit log: {before['audit_rows']} rows, sha256 {before['audit_sha256'][:16]}… before; "
            f"{result['after']['audit_rows']} rows, sha256 {result['after']['audit_sha256'][:16]}… after."
        )
        if not result["same"]:
            raise CommandError("The restored database differs from the one dumped.")
        self.stdout.write(self.style.SUCCESS("Restore drill passed: the same incidents, QA table and audit log."))
