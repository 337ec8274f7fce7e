from incidents import views
from tests.factories import make_incident


def test_a_very_long_list_says_more_than_rather_than_counting_everything(handler, handler_client, monkeypatch):
    monkeypatch.setattr(views, "COUNT_CAP", 3)
    for _ in range(5):
        make_incident(handler=handler)
    page = handler_client.get("/incidents/")
    assert page.status_code == 200
    assert page.context["page"].paginator.capped
    assert "More than 10,000 incidents" in page.content.decode()


def test_a_short_list_gives_its_exact_count(handler, handler_client):
    make_incident(handler=handler)
    make_incident(handler=handler)
    page = handler_client.get("/incidents/")
    assert not page.context["page"].paginator.capped
    assert "2 incidents" in page.content.decode()
