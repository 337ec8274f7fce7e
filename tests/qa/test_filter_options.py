"""The QA pages' team and handler filters, built as markup (markup.options_html): every
handler and supervisor offered by name and username, the chosen one selected, names escaped."""

import pytest

from tests.factories import TeamFactory, UserFactory


@pytest.mark.parametrize("page", ["/qa/", "/qa/compliance/"])
def test_the_filters_offer_every_handler_and_team_and_keep_the_choice(client, analyst, page):
    team = TeamFactory(name="Red <Watch>")
    amy = UserFactory(username="amy", full_name="Amy O'Hara <b>", team=team)
    UserFactory(username="sup", full_name="", team=team, supervisor=True)
    client.force_login(analyst)
    html = client.get(page, {"team": team.name, "handler": "amy"}).content.decode()
    assert '<option value="amy" selected>Amy O&#x27;Hara &lt;b&gt; (amy)</option>' in html
    assert '<option value="sup">sup (sup)</option>' in html  # no full name: the username
    assert '<option value="Red &lt;Watch&gt;" selected>Red &lt;Watch&gt;</option>' in html
    assert f'value="{analyst.username}"' not in html  # analysts are not handlers
    assert amy.full_name not in html  # never unescaped
    plain = client.get(page).content.decode()
    assert '<option value="amy">' in plain
    assert "selected>" not in plain.split('id="f-team"')[1].split("</form>")[0]
