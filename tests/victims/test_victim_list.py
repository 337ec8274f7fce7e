"""An incident's victims as its page reads them (victims.selectors.victim_list, a compiled
statement): every field as the ORM gives it, the repeat check's matches decoded from JSON, and
who recorded the Victims' Code answers joined in."""

import pytest

from tests.factories import make_incident
from victims.models import Victim
from victims.selectors import victim_list
from victims.services import victim_link
from victims.victims_code import victims_code_record

pytestmark = pytest.mark.django_db

MATCHES = [{"reference": "010126-0001", "routes": ["phone"], "opened_at": "2026-01-01T10:00:00+00:00"}]


def test_the_victims_read_as_the_orm_reads_them(handler, django_assert_num_queries):
    incident = make_incident(handler=handler)
    first = victim_link(incident=incident, actor=handler, name="A Person", phone="07700 900123")
    second = victim_link(incident=incident, actor=handler, name="B Person", phone="07700 900456")
    victims_code_record(
        victim=second,
        actor=handler,
        told_what_happens_next="yes",
        written_acknowledgement_offered="yes",
        support_information="no",
    )
    Victim.objects.filter(pk=first.pk).update(check_matches=MATCHES)
    other = make_incident(handler=handler)
    victim_link(incident=other, actor=handler, name="C Person", phone="07700 900789")
    with django_assert_num_queries(1):
        found = victim_list(incident)
        recorder = found[1].victims_code_by.display_name
    expected = list(Victim.objects.filter(incident=incident).select_related("victims_code_by").order_by("created_at"))
    assert [v.pk for v in found] == [first.pk, second.pk]
    for mine, theirs in zip(found, expected, strict=True):
        assert {f.attname: getattr(mine, f.attname) for f in Victim._meta.concrete_fields} == {
            f.attname: getattr(theirs, f.attname) for f in Victim._meta.concrete_fields
        }
    assert found[0].check_matches == MATCHES
    assert found[0].victims_code_by is None
    assert recorder == handler.display_name
