"""The year's cycle: per year the five steps, each with what is done and what is due."""

from __future__ import annotations

from tests.factories import demo_user, seed_plan
from tests.web.test_content import client_for
from tests.web.test_facts import OBSERVATION, STATISTICS, record
from workspace.extensions import db
from workspace.models import Evaluation
from workspace.services import cycle, demo, evaluation, situation
from workspace.services.rounds import local_today


def _year(page: str, year: int) -> str:
    return page.split(f'id="year-{year}"')[1].split("</section>")[0]


def _step(page: str, year: int, key: str) -> str:
    return page.split(f'id="year-{year}-{key}"')[1].split("</li>\n    \n")[0]


def test_the_demo_year_by_year_with_what_is_done_and_due(app):
    with app.app_context():
        demo.load_demo_history()
        (picture,) = situation.pictures_of(seed_plan())
        year, this_year = picture.year, local_today().year
    viewer = client_for(app, "polisen", "lasare")
    overview = viewer.get("/plans/1").get_data(as_text=True)
    assert 'href="/plans/1/cycle"' in overview and "Årshjulet" in overview
    answer = viewer.get("/plans/1/cycle")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "<h1>Årshjulet</h1>" in page
    # From the first year with anything in it to next year, each with its five steps.
    assert f'id="year-{year}"' in page and f'id="year-{this_year + 1}"' in page
    assert f'id="year-{year - 1}"' not in page
    for key in ("facts", "situation", "plan", "rounds", "evaluation"):
        assert f'id="year-{year}-{key}"' in page
    situation_step = _step(page, year, "situation")
    assert "Utkast, 2 av 3 organisationer står bakom" in situation_step
    assert "Ska ta ställning: Sollefteå kommun" in situation_step
    assert f'href="/situation/{picture.id}"' in situation_step
    # The police's reader counts the shared facts, not Sollefteå's internal one.
    assert "6 faktauppgifter registrerade" in _step(page, year, "facts")
    assert "Inte påbörjad" in _step(page, this_year + 1, "situation")
    assert "Senare" in _step(page, this_year + 1, "facts")


def test_the_rounds_of_a_year_with_their_due_dates_and_the_missing_ones(app):
    with app.app_context():
        demo.load_demo_history()
        plan = seed_plan()
        this_year = local_today().year
        rounds = cycle.rounds_of_year(plan, this_year)
        assert rounds
    reader = client_for(app, "kramfors", "lasare")
    page = reader.get("/plans/1/cycle").get_data(as_text=True)
    for rnd in rounds:
        year_part = _year(page, rnd.due_on.year)
        assert f'href="/rounds/{rnd.id}"' in year_part
        assert ("öppen" if rnd.is_open else "stängd") in year_part
    assert "inte öppnad än" in _year(page, this_year + 1)


def test_the_evaluation_has_its_place_and_shows_the_next_turn(app):
    with app.app_context():
        plan = seed_plan()
        years = cycle.timeline(demo_user("kramfors", "lasare"), plan)
        coordinators = [demo_user(org, "samordnare") for org in ("kramfors", "solleftea")]
        annual = evaluation.start(coordinators[0], plan, 2012)
        evaluation.agree(coordinators[0], annual, annual.content_version)
        annual_id, version = annual.id, annual.content_version
    assert [step.key for step in years[0].steps] == [
        "facts",
        "situation",
        "plan",
        "rounds",
        "evaluation",
    ]
    reader = client_for(app, "polisen", "lasare")
    draft = _step(reader.get("/plans/1/cycle").get_data(as_text=True), 2012, "evaluation")
    assert f'href="/evaluations/{annual_id}"' in draft
    assert "Utkast, 1 av 3 organisationer står bakom" in draft
    assert "Ska ta ställning: Polisen, Sollefteå närpolisområde, Sollefteå kommun" in draft
    with app.app_context():
        annual = db.session.get(Evaluation, annual_id)
        for org in ("solleftea", "polisen"):
            evaluation.agree(demo_user(org, "samordnare"), annual, version)
        evaluation.fix(demo_user("polisen", "samordnare"), annual, version)
    fixed = _step(reader.get("/plans/1/cycle").get_data(as_text=True), 2012, "evaluation")
    assert "Fastställd" in fixed
    assert "Nästa års lägesbild: när den påbörjas följer problemen med." in fixed
    with app.app_context():
        following = situation.start(demo_user("kramfors", "samordnare"), seed_plan(), 2013)
        following_id = following.id
    turned = _step(reader.get("/plans/1/cycle").get_data(as_text=True), 2012, "evaluation")
    assert f'<a href="/situation/{following_id}">Därefter: lägesbild 2013</a>' in turned


def test_an_internal_fact_counts_only_for_its_organisation(app):
    record(app, "solleftea", STATISTICS)
    record(app, "solleftea", OBSERVATION)
    own = client_for(app, "solleftea", "lasare").get("/plans/1/cycle").get_data(as_text=True)
    other = client_for(app, "kramfors", "lasare").get("/plans/1/cycle").get_data(as_text=True)
    assert "2 faktauppgifter registrerade" in _step(own, 2025, "facts")
    assert "1 faktauppgift registrerad" in _step(other, 2025, "facts")
    assert "Nedskräpning" not in other
