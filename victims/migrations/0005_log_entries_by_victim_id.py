"""Review issue 13: the incident log names a victim by id ("Victim V123"), never by name.
Entries written before then are rewritten to that form, so that nothing personal stays in
the log whether or not the victim is ever erased:

- "Victim linked by <handler>: <name>."           -> "Victim V<id> linked by <handler>."
- "Repeat victim check for <name>: ..."            -> "Repeat victim check for victim V<id>: ..."
- "Repeat victim check outcome for <name>: <outcome>[. Household: <note>]"
      -> "Repeat victim check outcome for victim V<id>: <outcome>[. Household note recorded ...]"

The link and check entries were written at the victim's checked_at, which pairs them with
their victim even after erasure blanked the name. An outcome entry is paired by the name,
or, for an erased victim, with the incident's only erased victim (else "a victim").
Reversing it is a no-op: the names are not written back."""

import re

from django.db import migrations

LINKED = "Victim linked by "
CHECK = "Repeat victim check for "
OUTCOME = "Repeat victim check outcome for "
CHECK_TAIL = re.compile(r": (no earlier incidents|\d+ earlier incident\(s\)) in the last ")
OUTCOME_TAIL = re.compile(r": (repeat victim|not a repeat victim)(\. Household: .*|\.)$", re.DOTALL)
HOUSEHOLD = ". Household note recorded on the victim's record."


def _outcome(text: str, label: str) -> str | None:
    match = OUTCOME_TAIL.search(text)
    if match is None:
        return None
    tail = HOUSEHOLD if match.group(2) != "." else "."
    return f"{OUTCOME}{label}: {match.group(1)}{tail}"


def rewrite_entries(apps, schema_editor):
    Victim = apps.get_model("victims", "Victim")
    LogEntry = apps.get_model("incidents", "LogEntry")
    victims_by_incident: dict[int, list] = {}
    for victim in Victim.objects.order_by("pk").only("pk", "incident_id", "name", "checked_at", "erased_at"):
        victims_by_incident.setdefault(victim.incident_id, []).append(victim)
    for incident_id, victims in victims_by_incident.items():
        entries = LogEntry.objects.filter(incident_id=incident_id, kind__in=["victim_linked", "repeat_check"])
        erased = [v for v in victims if v.erased_at is not None]
        for entry in entries.only("pk", "text", "at", "kind"):
            text, new = entry.text, None
            if text.startswith(OUTCOME):
                owner = next(
                    (v for v in victims if v.erased_at is None and text.startswith(f"{OUTCOME}{v.name}: ")), None
                )
                if owner is None and len(erased) == 1:
                    owner = erased[0]
                new = _outcome(text, f"victim V{owner.pk}" if owner else "a victim")
            else:
                owner = next((v for v in victims if v.checked_at == entry.at), None)
                if owner is None:
                    continue
                if entry.kind == "victim_linked" and text.startswith(LINKED):
                    handler = text[len(LINKED) :].split(": ", 1)[0].rstrip(".")
                    new = f"Victim V{owner.pk} linked by {handler}."
                elif entry.kind == "repeat_check" and text.startswith(CHECK):
                    match = CHECK_TAIL.search(text)
                    if match is not None:
                        new = f"{CHECK}victim V{owner.pk}{text[match.start() :]}"
            if new is not None and new != text:
                LogEntry.objects.filter(pk=entry.pk).update(text=new)


class Migration(migrations.Migration):
    dependencies = [("victims", "0004_victim_erasure"), ("incidents", "0004_composite_indexes_cover_foreign_keys")]
    operations = [migrations.RunPython(rewrite_entries, migrations.RunPython.noop)]
