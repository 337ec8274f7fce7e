"""What a person reads of a set of choices: the labels, never the codes (issue 15).

A message that lists what may be chosen ("Select a grading: Immediate, Priority, Scheduled
or Resolution without deployment") names the labels a person sees on the form; the codes
stay in the form's values and in the API (API.md documents them)."""

from collections.abc import Iterable


def labels_listed(choices: Iterable[tuple[object, object]]) -> str:
    """The labels of (code, label) pairs as an English list: "A, B or C"."""
    labels = [str(label) for _, label in choices]
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} or {labels[-1]}"
