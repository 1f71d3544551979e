"""A part of the lägesbild cites the plan's shared facts; a cited fact stays shared and stays."""

from __future__ import annotations

from tests.web.test_content import client_for, post
from tests.web.test_facts import OBSERVATION, STATISTICS, SURVEY, record
from tests.web.test_situation import _agree_all, content_version, section_version, started
from workspace.extensions import db
from workspace.models import SituationPicture

MAPPING = "/situation/{}/sections/mapping"


def _facts(app) -> tuple[int, int, int, int]:
    """A shared statistic of 2025, a shared survey of 2024, and an internal observation of
    each municipality."""
    statistic = record(app, "solleftea", STATISTICS)
    survey = record(app, "polisen", {**SURVEY, "year": "2024"})
    own_internal = record(app, "kramfors", OBSERVATION)
    their_internal = record(app, "solleftea", {**OBSERVATION, "title": "Vaktmästarnas bild"})
    return statistic, survey, own_internal, their_internal


def test_the_form_offers_only_shared_facts_by_year(app):
    picture_id = started(app)
    statistic, survey, own_internal, their_internal = _facts(app)
    member = client_for(app, "kramfors", "handlaggare")
    form = member.get(MAPPING.format(picture_id)).get_data(as_text=True)
    assert f'name="facts" value="{statistic}"' in form
    assert f'name="facts" value="{survey}"' in form
    assert form.index("<legend>2025</legend>") < form.index("<legend>2024</legend>")
    # A joint document: no internal fact, not even one's own.
    assert f'value="{own_internal}"' not in form and f'value="{their_internal}"' not in form
    assert "Vaktmästarnas bild" not in form


def test_citing_shows_the_facts_under_the_text_and_withdraws_agreements(app):
    picture_id = started(app)
    statistic, _survey, own_internal, _their = _facts(app)
    kramfors = client_for(app, "kramfors", "samordnare")
    post(
        kramfors, f"/situation/{picture_id}/agree", content_version=content_version(app, picture_id)
    )
    saved = post(
        kramfors,
        MAPPING.format(picture_id),
        body="Tillgreppsbrotten ligger kvar.",
        facts=[str(statistic), str(own_internal)],
        version=section_version(app, picture_id),
    )
    assert saved.status_code == 303
    reader = client_for(app, "polisen", "lasare")
    page = reader.get(f"/situation/{picture_id}").get_data(as_text=True)
    cited = page.split("Faktauppgifter som citeras")[1].split("</ul>")[0]
    assert "Anmälda tillgreppsbrott, Sollefteå" in cited
    assert "412" in cited and "anmälda brott" in cited and "Polisens statistik" in cited
    assert "period 2025" in cited and "år 2025" in cited
    assert "Nedskräpning vid skolan" not in page  # the internal id was dropped
    assert "återkallat" in page
    with app.app_context():
        section = db.session.get(SituationPicture, picture_id).sections[0]
        assert [f.id for f in section.facts] == [statistic]


def test_citing_alone_is_part_of_the_version(app):
    picture_id = started(app)
    statistic, survey, *_ = _facts(app)
    seen = section_version(app, picture_id)
    first = client_for(app, "kramfors", "handlaggare")
    second = client_for(app, "solleftea", "handlaggare")
    path = MAPPING.format(picture_id)
    assert post(first, path, body="", facts=str(statistic), version=seen).status_code == 303
    stale = post(second, path, body="", facts=str(survey), version=seen)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Den citerar: Anmälda tillgreppsbrott, Sollefteå" in html  # theirs
    assert f'value="{survey}" checked' in html  # mine, kept


def test_a_cited_fact_is_not_made_internal_or_removed(app):
    picture_id = started(app)
    statistic, *_ = _facts(app)
    member = client_for(app, "kramfors", "handlaggare")
    post(member, MAPPING.format(picture_id), body="", facts=str(statistic), version="1")
    owner = client_for(app, "solleftea", "handlaggare")
    hidden = post(
        owner,
        f"/facts/{statistic}/edit",
        **{**STATISTICS, "visibility": "internal", "value": "415"},
        version="1",
    )
    assert hidden.status_code == 422
    html = hidden.get_data(as_text=True)
    assert "Uppgiften citeras i lägesbild 2011" in html
    assert 'value="415"' in html  # what was typed is kept
    removed = post(owner, f"/facts/{statistic}/remove", version="1")
    assert removed.status_code == 422
    assert "Uppgiften citeras i lägesbild 2011" in removed.get_data(as_text=True)
    # Shared edits that keep it shared go through.
    edited = post(owner, f"/facts/{statistic}/edit", **{**STATISTICS, "value": "415"}, version="1")
    assert edited.status_code == 303


def test_a_fixed_picture_cites_nothing_new(app):
    picture_id = started(app)
    statistic, *_ = _facts(app)
    _agree_all(app, picture_id)
    coordinator = client_for(app, "kramfors", "samordnare")
    post(
        coordinator,
        f"/situation/{picture_id}/fix",
        content_version=content_version(app, picture_id),
    )
    refused = post(
        coordinator,
        MAPPING.format(picture_id),
        body="",
        facts=str(statistic),
        version=section_version(app, picture_id),
    )
    assert refused.status_code == 409
    assert "fastställd" in refused.get_data(as_text=True)
