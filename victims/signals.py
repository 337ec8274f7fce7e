"""What victims tells the apps above it, without importing them.

`victim_erasing` is sent inside victims.services.victim_erase's transaction, before the record
is blanked, with the incident's id and the victim's normalised phone: copies of the victim's
details kept by other apps are scrubbed by their receivers in the same transaction (the
assessments' prevention answer: thrive.erasure, connected by casework.apps). An exception in a
receiver rolls the whole erasure back.
"""

from django.dispatch import Signal

victim_erasing = Signal()
