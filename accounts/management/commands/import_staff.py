from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import staff_import


class Command(BaseCommand):
    help = "Create or update staff from a CSV: username,full_name,email,role,team,password"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise CommandError(f"{file}: no such file") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: not UTF-8 text ({exc.reason})") from exc
        result = staff_import(text=text)
        if result.errors:
            for error in result.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(f"{len(result.errors)} bad row(s); nothing was imported. Fix them and run again.")
        self.stdout.write(
            f"Imported {len(result.created) + len(result.updated) + len(result.unchanged)} staff: "
            f"{len(result.created)} created, {len(result.updated)} updated, {len(result.unchanged)} unchanged."
        )
