"""Rule 9, prompt wording, in one place: which set is in force (sets), drafts (drafts), the
word-level diff (diff), publishing and telling staff (publishing), acknowledgement and the
trained / not-yet chart (acknowledgements), and the training briefings that count as
trained (briefings). Every page, the API, the admin and the tasks use these; none of them
imports thrive.services, and thrive.services uses only `prompt_set_current` from here.

The names below are the package's public face, so that callers need not know which module
holds what.
"""

from thrive.wording.acknowledgements import (
    STAFF_ROLES,
    TeamTraining,
    acknowledgement_due,
    staff_to_tell,
    trained_by_team,
    wording_acknowledge,
)
from thrive.wording.briefings import (
    briefing_list,
    briefing_record,
    briefing_staff,
    briefing_versions,
    get_briefing_for_user,
)
from thrive.wording.diff import DiffRow, SectionDiff, Segment, diff_as_text, prompt_set_diff, word_diff
from thrive.wording.drafts import (
    NEW_PROMPT_TYPES,
    editor_choices,
    prompt_set_draft_start,
    prompt_set_update_draft,
    sections_from_post,
)
from thrive.wording.publishing import prompt_set_publish, wording_email_staff, wording_emails_queue, wording_remind
from thrive.wording.sets import (
    current_family,
    current_published,
    family_versions,
    force_family_expression,
    force_model_choose,
    previous_published,
    prompt_set_current,
    published_versions,
)

__all__ = [
    "NEW_PROMPT_TYPES",
    "STAFF_ROLES",
    "DiffRow",
    "SectionDiff",
    "Segment",
    "TeamTraining",
    "acknowledgement_due",
    "briefing_list",
    "briefing_record",
    "briefing_staff",
    "briefing_versions",
    "current_family",
    "current_published",
    "diff_as_text",
    "editor_choices",
    "family_versions",
    "force_family_expression",
    "force_model_choose",
    "get_briefing_for_user",
    "previous_published",
    "prompt_set_current",
    "prompt_set_diff",
    "prompt_set_draft_start",
    "prompt_set_publish",
    "prompt_set_update_draft",
    "published_versions",
    "sections_from_post",
    "staff_to_tell",
    "trained_by_team",
    "word_diff",
    "wording_acknowledge",
    "wording_email_staff",
    "wording_emails_queue",
    "wording_remind",
]
