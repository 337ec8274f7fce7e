"""Prevention advice is policy a trainer owns: every change to it, from the page or the admin,
is audited through victims.advice (as the gradings and closure policy are), saying which
fields changed; a refused edit and an unchanged one record nothing."""

import pytest

from audit.models import Action, AuditEvent
from incidents.models import Category
from victims.models import PreventionAdvice

pytestmark = pytest.mark.django_db

GOOD = {"title": "Burglary", "url": "https://police.example/burglary", "message": "Lock up.", "active": "true"}


def advice_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="prevention_advice").order_by("id"))


@pytest.fixture
def advice():
    return PreventionAdvice.objects.get(category__code="burglary_dwelling")


def test_an_edit_on_the_page_is_audited_with_who_and_what_changed(trainer, trainer_client, advice):
    assert trainer_client.post(f"/victims/advice/{advice.pk}/", GOOD).status_code == 302
    [event] = advice_events()
    assert (event.actor_username, event.action, event.object_id, event.channel) == (
        trainer.username,
        Action.ALTER,
        str(advice.pk),
        "page",
    )
    assert event.description == "changed title, link, wording: Burglary"


def test_a_refused_or_unchanged_edit_records_nothing(trainer_client, advice):
    url = f"/victims/advice/{advice.pk}/"
    assert trainer_client.post(url, {**GOOD, "url": "http://insecure.example"}).status_code == 400
    assert advice_events() == []
    trainer_client.post(url, GOOD)
    trainer_client.post(url, GOOD)  # the same again: nothing changed
    assert len(advice_events()) == 1


def test_admin_add_change_and_delete_are_audited(client_for, admin_user, advice):
    client = client_for(admin_user)
    category = Category.objects.create(code="perf_new", name="New category")
    added = client.post(
        "/admin/victims/preventionadvice/add/",
        {
            "category": category.pk,
            "title": "New",
            "url": "https://police.example/new",
            "message": "Advice:",
            "active": "on",
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    made = PreventionAdvice.objects.get(category=category)
    changed = client.post(
        f"/admin/victims/preventionadvice/{advice.pk}/change/",
        {"category": advice.category_id, "title": advice.title, "url": advice.url, "message": "Lock every door."},
    )
    assert changed.status_code == 302
    deleted = client.post(f"/admin/victims/preventionadvice/{made.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not PreventionAdvice.objects.filter(pk=made.pk).exists()
    assert [(e.action, e.channel, e.description) for e in advice_events()] == [
        (Action.COLLECT, "admin", "added: New"),
        (Action.ALTER, "admin", f"changed wording, active: {advice.title}"),
        (Action.ERASE, "admin", "deleted: New"),
    ]


def test_the_admin_refuses_an_insecure_link_by_field_and_saves_nothing(client_for, admin_user, advice):
    refused = client_for(admin_user).post(
        f"/admin/victims/preventionadvice/{advice.pk}/change/",
        {"category": advice.category_id, "title": advice.title, "url": "http://insecure.example", "message": "x"},
    )
    assert refused.status_code == 200  # the form again, with its error
    assert "https://" in refused.content.decode()
    assert advice_events() == []
    assert PreventionAdvice.objects.get(pk=advice.pk).url == advice.url
