"""The dip samples list's rows, built in Python (qa/views/samples.py): what each row shows."""

from datetime import date

import pytest
from django.urls import reverse

from qa.services import review_record, sample_withdraw
from tests.qa.factories import closed_incident, drawn_sample, grades, utc

pytestmark = pytest.mark.django_db


def test_each_sample_row_shows_its_month_scope_seed_progress_and_state(supervisor_client, supervisor, handler):
    supervisor.team.name = "Blue <Watch> & Co"
    supervisor.team.save()
    closed_incident(handler=handler, closed_at=utc(2022, 6, 2, 12))
    closed_incident(handler=handler, closed_at=utc(2022, 7, 2, 12))
    closed_incident(handler=handler, closed_at=utc(2022, 8, 2, 12))
    june = drawn_sample(supervisor=supervisor, month=date(2022, 6, 1), per_handler=2, seed=7)
    july = drawn_sample(supervisor=supervisor, month=date(2022, 7, 1), seed=8)
    review_record(item=july.items.get(), reviewer=supervisor, data=grades())
    august = drawn_sample(supervisor=supervisor, month=date(2022, 8, 1), seed=9)
    sample_withdraw(sample=august, actor=supervisor)
    html = supervisor_client.get(reverse("qa:sample-list")).content.decode()
    cells = '<td class="govuk-table__cell">Blue &lt;Watch&gt; &amp; Co</td>'
    june_row = (
        f'<a class="govuk-link" href="{reverse("qa:sample-detail", args=[june.pk])}">June 2022</a></td>\n'
        f"    {cells}\n"
        '    <td class="govuk-table__cell govuk-table__cell--numeric">2</td>\n'
        '    <td class="govuk-table__cell govuk-table__cell--numeric">7</td>\n'
        '    <td class="govuk-table__cell">0 of 1 graded</td>\n'
        '    <td class="govuk-table__cell"><strong class="govuk-tag govuk-tag--blue">In progress</strong></td>'
    )
    assert june_row in html
    assert ">1 of 1 graded</td>\n" in html.split("July 2022")[1].split("</tr>")[0]
    assert 'govuk-tag--green">Complete' in html.split("July 2022")[1].split("</tr>")[0]
    assert 'govuk-tag--grey">Withdrawn' in html.split("August 2022")[1].split("</tr>")[0]
    # Newest month first.
    assert html.index("August 2022") < html.index("July 2022") < html.index("June 2022")
    assert "Blue <Watch>" not in html


def test_no_samples_says_so(supervisor_client):
    assert "No samples yet." in supervisor_client.get(reverse("qa:sample-list")).content.decode()
