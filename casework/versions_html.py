"""The rows of an incident's assessment versions table (the incident's page shows the latest
few, its versions' pages fifty at a time), drawn in Python with markup.Template, which escapes
every value it is given: a row of template tags, a URL and a date filter each was a large part
of the incident page's CPU (docs/BENCHMARKS.md, issue 18). The markup is what the table's
template drew."""

from collections.abc import Sequence

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from markup import Template, literal
from thrive.models import Assessment

ROW = Template(
    '<tr class="govuk-table__row">\n<td class="govuk-table__cell">{}</td>\n<td class="govuk-table__cell">{}{}</td>\n'
    '<td class="govuk-table__cell">{}</td>\n<td class="govuk-table__cell">{}</td>\n'
    '<td class="govuk-table__cell">{} v{}</td>\n</tr>\n'
)
LINK = Template('<a class="govuk-link" href="{}">Version {:d}</a>')
PLAIN = Template("Version {:d}")
SUBMITTED = literal('<strong class="govuk-tag govuk-tag--green">Submitted</strong>')
SUBMITTED_LATE = literal(
    '<strong class="govuk-tag govuk-tag--green">Submitted</strong> '
    '<strong class="govuk-tag govuk-tag--orange">Late: after closure</strong>'
)
DRAFT = literal('<strong class="govuk-tag govuk-tag--yellow">Draft</strong>')
RISK = Template(" Risk: {}")
NOTHING = literal("")
_VERSION = 987654321  # stands for a row's version in a URL reversed once per table


def versions_rows(assessments: Sequence[Assessment], *, reference: str, reader_id: int | None) -> SafeString:
    """A row per version: a link to it where the reader may open it (any submitted version,
    and their own draft), its status and risk, author, submission time and wording."""
    if not assessments:
        return NOTHING
    url = reverse("thrive:assessment-version", args=[reference, _VERSION])
    marker = str(_VERSION)
    rows = []
    for a in assessments:
        submitted = a.is_submitted
        opens = submitted or a.author_id == reader_id
        rows.append(
            (
                LINK.render(url.replace(marker, str(a.version)), a.version) if opens else PLAIN.render(a.version),
                (SUBMITTED_LATE if a.late else SUBMITTED) if submitted else DRAFT,
                RISK.render(a.risk_level_label) if a.risk_level else NOTHING,
                a.author.display_name,
                timezone.localtime(a.submitted_at).strftime("%d/%m/%Y %H:%M") if a.submitted_at else "–",
                a.prompt_set.name,
                a.prompt_set.version,
            )
        )
    return ROW.render_each(rows)
