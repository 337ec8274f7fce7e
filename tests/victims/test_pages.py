"""The victim and text pages: the incident panel, linking, the check's outcome, the polled
texts fragment, and the handler's failed-text notice."""

import re

import pytest
from django.utils import timezone

from casework.services import assessment_record
from incidents.models import EntryKind
from tests.factories import make_incident, make_texts
from tests.victims.conftest import texting_answers
from victims.models import Text, TextStatus, Victim
from victims.services import victim_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(handler):
    return make_incident(handler=handler)


def test_the_incident_page_shows_victims_matches_and_texts(handler, handler_client, incident):
    earlier = make_incident(handler=handler)
    victim_link(incident=earlier, actor=handler, name="Tom Smith", address="12 Elm Rd", postcode="SW1A1AA")
    victim_link(incident=incident, actor=handler, name="Ann Smith", address="12 Elm Road", postcode="SW1A 1AA")
    assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    page = handler_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert "Victims and repeat-victim check" in page
    assert "Ann Smith" in page
    assert earlier.reference in page
    assert "Address (household)" in page
    assert "Tom Smith" in page
    assert "Prevention advice texts" in page
    assert 'hx-trigger="every 4s"' in page  # a queued text: the table polls


def test_no_polling_once_no_text_is_queued(handler, handler_client, incident):
    assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    Text.objects.update(status=TextStatus.SENT, sent_at=timezone.now())
    page = handler_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert "hx-trigger" not in page.split('id="texts"')[1].split(">")[0]


def test_the_texts_fragment_for_htmx_and_a_redirect_without(handler, handler_client, incident):
    assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    url = f"/victims/incidents/{incident.reference}/texts/"
    fragment = handler_client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="texts"')
    assert "Queued" in body
    assert "<html" not in body
    full = handler_client.get(url)
    assert full.status_code == 302
    assert full["Location"].endswith(f"/incidents/{incident.reference}/#texts")


def test_the_texts_fragment_is_refused_to_other_roles_and_anonymous(client, trainer_client, incident):
    url = f"/victims/incidents/{incident.reference}/texts/"
    assert trainer_client.get(url, headers={"HX-Request": "true"}).status_code == 403
    assert client.get(url).status_code == 302  # to the login page


def test_linking_a_victim_from_the_page(handler, handler_client, incident):
    url = f"/victims/incidents/{incident.reference}/link/"
    assert handler_client.get(url).status_code == 200
    response = handler_client.post(
        url,
        {
            "name": "Jo Bloggs",
            "dob_day": "27",
            "dob_month": "3",
            "dob_year": "1985",
            "phone": "07700 900999",
            "address": "1 Mill Lane",
            "postcode": "m11ae",
        },
    )
    victim = Victim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/victims/{victim.pk}/"
    assert victim.phone_e164 == "+447700900999"
    assert victim.postcode == "M1 1AE"
    assert str(victim.date_of_birth) == "1985-03-27"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Jo", "dob_day": "31", "dob_month": "2", "dob_year": "1985"}, "must be a real date"),
        ({"name": "Jo", "phone": "12"}, "Enter a UK phone number"),
        ({"name": "Jo"}, "Give a phone number, a date of birth or an address"),
        ({"name": "", "phone": "07700900999"}, "Enter the victim"),
    ],
)
def test_the_link_form_shows_errors_and_keeps_what_was_typed(handler_client, incident, data, message):
    response = handler_client.post(f"/victims/incidents/{incident.reference}/link/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert message in body
    assert body.count("Give a phone number, a date of birth or an address") <= 2  # summary + one field
    assert not Victim.objects.exists()


def test_recording_the_outcome_from_the_check_page(handler, handler_client, incident):
    victim = victim_link(incident=incident, actor=handler, name="Jo", phone="07700900999")
    url = f"/victims/{victim.pk}/"
    assert "Is Jo a repeat victim?" in handler_client.get(url).content.decode()
    bad = handler_client.post(url, {"outcome": ""})
    assert bad.status_code == 400
    assert "Select whether" in bad.content.decode()
    ok = handler_client.post(url, {"outcome": "repeat", "household_note": "Partner also at risk"})
    assert ok.status_code == 302
    victim.refresh_from_db()
    assert victim.outcome == "repeat"
    assert victim.household_note == "Partner also at risk"
    assert incident.entries.filter(kind=EntryKind.REPEAT_CHECK, text__contains="Household note recorded").exists()


def test_analysts_cannot_link_victims(analyst, client_for, incident):
    assert client_for(analyst).get(f"/victims/incidents/{incident.reference}/link/").status_code == 403


def test_the_home_page_has_no_notice_without_failed_texts(handler_client):
    assert "Texts not sent" not in handler_client.get("/").content.decode()


def test_trainers_edit_the_advice_library(trainer_client):
    from victims.models import PreventionAdvice

    advice = PreventionAdvice.objects.get(category__code="burglary_dwelling")
    assert "Burglary (dwelling)" in trainer_client.get("/victims/advice/").content.decode()
    url = f"/victims/advice/{advice.pk}/"
    bad = trainer_client.post(url, {"title": "", "url": "http://insecure.example", "message": "x" * 601})
    assert bad.status_code == 400
    assert "https://" in bad.content.decode()
    ok = trainer_client.post(
        url, {"title": "Burglary", "url": "https://police.example/burglary", "message": "Lock up.", "active": "true"}
    )
    assert ok.status_code == 302
    advice.refresh_from_db()
    assert (advice.url, advice.message, advice.active) == ("https://police.example/burglary", "Lock up.", True)


def test_handlers_cannot_edit_the_advice_library(handler_client):
    assert handler_client.get("/victims/advice/").status_code == 403


def test_a_text_uses_the_categorys_current_advice(handler, incident):
    from victims.models import PreventionAdvice

    PreventionAdvice.objects.filter(category__code="burglary_dwelling").update(
        url="https://police.example/b", message="Lock up."
    )
    assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    text = Text.objects.get()
    assert text.link == "https://police.example/b"
    assert text.body.startswith("Lock up. https://police.example/b")


def test_the_incident_page_shows_the_latest_texts_and_links_to_the_rest(handler, handler_client, incident):
    from victims.selectors import TEXTS_SHOWN

    texts = make_texts(incident, TEXTS_SHOWN + 2)
    page = handler_client.get(f"/incidents/{incident.reference}/").content.decode()
    panel = page.split('id="texts"')[1]
    # Newest first, the latest TEXTS_SHOWN; the two oldest a click away.
    links = [t.link for t in reversed(texts)]
    assert [link in panel for link in links] == [True] * TEXTS_SHOWN + [False, False]
    assert panel.index(links[0]) < panel.index(links[1])
    assert f"The latest {TEXTS_SHOWN} of {TEXTS_SHOWN + 2} texts" in panel
    assert f'href="/victims/incidents/{incident.reference}/texts/all/"' in panel
    assert "hx-trigger" not in panel.split(">")[0]


def test_an_older_text_still_queued_keeps_the_table_polling(handler, handler_client, incident):
    from victims.selectors import TEXTS_SHOWN

    make_texts(incident, TEXTS_SHOWN + 1, oldest_status=TextStatus.QUEUED)
    page = handler_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert 'hx-trigger="every 4s"' in page.split('id="texts"')[1].split(">")[0]
    fragment = handler_client.get(f"/victims/incidents/{incident.reference}/texts/", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 4s"' in fragment.content.decode().split(">")[0]


def test_the_texts_pages_read_every_text_newest_first_a_page_at_a_time(
    handler, handler_client, incident, monkeypatch, django_assert_max_num_queries
):
    from victims import views

    monkeypatch.setattr(views, "TEXTS_PAGE", 3)
    texts = make_texts(incident, 7)
    url = f"/victims/incidents/{incident.reference}/texts/all/"
    seen = []
    pages = 0
    while url:
        with django_assert_max_num_queries(12):
            response = handler_client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "7 texts for this incident." in body
        seen += [t.link for t in reversed(texts) if t.link in body]
        pages += 1
        older = re.search(r'href="(/victims/incidents/[^"]+/texts/all/\?before=\d+)"', body)
        url = older.group(1) if older else None
    assert pages == 3
    assert seen == [t.link for t in reversed(texts)]


def test_the_texts_pages_refuse_a_bad_cursor_and_other_roles(handler_client, trainer_client, incident):
    url = f"/victims/incidents/{incident.reference}/texts/all/"
    assert handler_client.get(url).status_code == 200
    assert "No text for this incident." in handler_client.get(url).content.decode()
    assert handler_client.get(url + "?before=abc").status_code == 404
    assert handler_client.get(url + "?before=0").status_code == 404
    assert trainer_client.get(url).status_code == 403
