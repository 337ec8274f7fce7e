from tests.factories import make_incident


def test_a_closed_incident_has_a_submitted_assessment(db):
    incident = make_incident(closed=True)
    assert incident.status == "closed"
    assert incident.assessments.filter(status="submitted").count() == 1
