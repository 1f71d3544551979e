"""The plan file holds the whole 2011 action plan, checked against the original document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import SEED_AREAS
from workspace.services.plans import SEED_PLAN_FILE, check_plan_data, read_plan_file

SOURCE = Path(__file__).resolve().parents[2] / "docs" / "handlingsplan-solleftea-polis.txt"


def letters(text: str) -> str:
    """Only letters and digits: the PDF's line breaks and hyphenation do not matter."""
    return re.sub(r"[\W_]+", "", text).lower()


@pytest.fixture(scope="module")
def plan() -> dict:
    return read_plan_file(SEED_PLAN_FILE)


@pytest.fixture(scope="module")
def source() -> str:
    return SOURCE.read_text(encoding="utf-8")


def test_title_and_three_year_period_from_2011(plan):
    assert plan["title"] == "Handlingsplan för samverkan mellan Sollefteå kommun och polisen"
    assert (plan["period_start"], plan["period_end"]) == (2011, 2013)


def test_six_areas_in_the_plans_order(plan, source):
    assert [area["title"] for area in plan["areas"]] == SEED_AREAS
    intro = source[: source.index("Handlingsplan \n")]
    positions = [intro.index(title) for title in SEED_AREAS]
    assert positions == sorted(positions)


def test_every_activity_of_the_plan_is_there(plan):
    per_area = [len(area["activities"]) for area in plan["areas"]]
    # Counted by hand in the plan's table: 5 + 6 + 7 + 3 + 1 + 4.
    assert per_area == [5, 6, 7, 3, 1, 4]


def test_titles_and_goals_are_as_written_in_the_plan(plan, source):
    table = letters(source[source.index("Område Aktivitet Mål Ansvarig") :])
    for area in plan["areas"]:
        for activity in area["activities"]:
            assert letters(activity["title"]) in table, activity["title"]
            assert letters(activity["goal"]) in table, activity["goal"]


def test_each_activity_names_the_responsible_parties_of_the_plan(plan, source):
    table = letters(source[source.index("Område Aktivitet Mål Ansvarig") :])
    for area in plan["areas"]:
        for activity in area["activities"]:
            cell = letters(activity["goal"]) + letters(" ".join(activity["responsible"]))
            assert cell in table, f"{activity['title']}: {activity['responsible']}"


def test_every_responsible_party_maps_to_functions(plan):
    used = {label for a in plan["areas"] for act in a["activities"] for label in act["responsible"]}
    assert used == set(plan["parties"]), "every party in [parties] is used, and only those"
    assert check_plan_data(plan) == []


def test_a_municipal_function_is_an_assignment_in_both_municipalities(plan):
    for label, refs in plan["parties"].items():
        if label.startswith("Kommun ("):
            orgs = {ref.split("/")[0] for ref in refs}
            assert {"solleftea", "kramfors"} <= orgs, label
    assert plan["parties"]["Polis"] == ["polisen/Polis"]


def test_partners_are_organisations_without_logins(plan):
    kinds = {org["slug"]: org["kind"] for org in plan["organisations"]}
    assert {slug for slug, kind in kinds.items() if kind == "tenant"} == {
        "solleftea",
        "kramfors",
        "polisen",
    }
    for label in ("Skattemyndighet", "Räddningstjänst", "Kvinnojour", "Näringsliv"):
        (ref,) = plan["parties"][label]
        assert kinds[ref.split("/")[0]] == "partner"


def test_check_names_every_problem():
    broken = {
        "title": "x",
        "period_start": 2014,
        "period_end": 2012,
        "participants": ["nowhere"],
        "organisations": [{"slug": "a", "name": "A", "kind": "tenant", "functions": []}],
        "parties": {"A (X)": ["a/X"]},
        "areas": [
            {"title": "One", "activities": [{"title": "T", "goal": "G", "responsible": ["B"]}]}
        ],
    }
    problems = "\n".join(check_plan_data(broken))
    assert "period_end is before period_start" in problems
    assert "'nowhere'" in problems
    assert "unknown function 'a/X'" in problems
    assert "responsible party 'B'" in problems
