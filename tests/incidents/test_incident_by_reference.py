"""An incident found by its reference through its compiled statement (incidents.selectors.
incident_by_reference, config.statements.ModelStatement): the same incident, with the same
related rows joined in, as the ORM's select_related query gives, in one query."""

import pytest
from django.http import Http404
from django.utils import timezone

from incidents.models import ClosureCode, Incident, Status
from incidents.selectors import INCIDENT_RELATED, get_incident_for_user, incident_by_reference
from tests.factories import UserFactory, make_incident

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _same_as_the_orm(found: Incident, related: tuple[str, ...]) -> None:
    expected = Incident.objects.select_related(*related).get(pk=found.pk)
    assert type(found) is Incident
    assert _fields(found) == _fields(expected)
    assert found._state.adding is False
    assert found._state.db == "default"
    for name in related:
        descriptor = getattr(Incident, name)
        assert descriptor.field.is_cached(found), name
        mine, theirs = getattr(found, name), getattr(expected, name)
        assert (mine is None) == (theirs is None), name
        if mine is not None:
            assert type(mine) is type(theirs)
            assert _fields(mine) == _fields(theirs), name


def test_an_open_incident_with_its_related_rows(handler, django_assert_num_queries):
    incident = make_incident(handler=handler, assessed=True)
    with django_assert_num_queries(1):
        found = incident_by_reference(incident.reference)
        # Everything the pages show beside it is joined in: no query more.
        assert found.category.name
        assert found.owner.display_name
        assert found.team.name == handler.team.name
        assert found.closure_code is None
        assert found.closed_by is None
    _same_as_the_orm(found, INCIDENT_RELATED)


def test_a_closed_incident_without_a_team(handler, supervisor):
    incident = make_incident(handler=handler)
    code = ClosureCode.objects.filter(exempt=True).first()
    Incident.objects.filter(pk=incident.pk).update(
        status=Status.CLOSED, closure_code=code, closed_by=supervisor, closed_at=timezone.now(), team=None
    )
    found = incident_by_reference(incident.reference)
    assert found.closure_code == code
    assert found.closed_by == supervisor
    assert found.team is None
    _same_as_the_orm(found, INCIDENT_RELATED)


def test_fewer_joins_when_asked_for_fewer(handler, django_assert_num_queries):
    incident = make_incident(handler=handler)
    for related in [("category",), ()]:
        with django_assert_num_queries(1):
            found = incident_by_reference(incident.reference, related=related)
        _same_as_the_orm(found, related)
    with django_assert_num_queries(1):
        assert found.owner.pk == handler.pk  # not joined: read when asked for


def test_each_reference_finds_its_own_incident(handler):
    first, second = make_incident(handler=handler), make_incident(handler=UserFactory(handler=True))
    assert incident_by_reference(first.reference).pk == first.pk
    assert incident_by_reference(second.reference).pk == second.pk
    assert incident_by_reference(second.reference).handler_id != first.handler_id


def test_an_unknown_reference_is_none_and_a_404_for_the_pages(handler, analyst):
    assert incident_by_reference("no-such-incident") is None
    assert incident_by_reference("x' OR '1'='1") is None
    with pytest.raises(Http404):
        get_incident_for_user(handler, "no-such-incident")
    incident = make_incident(handler=handler)
    with pytest.raises(Http404):  # trainers and analysts read no incident logs
        get_incident_for_user(analyst, incident.reference)
