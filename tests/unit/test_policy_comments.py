"""Who may remove a comment: its author, or an admin of the author's organisation."""

from __future__ import annotations

import pytest

from tests.factories import demo_user, seed_plan
from workspace.policy import Action, Denied, authorize, can
from workspace.services import threads

# (organisation, user): may they remove, edit and redact the member's comment?
DECISIONS = [
    (("kramfors", "handlaggare"), (True, True, False)),  # the author
    (("kramfors", "admin"), (True, False, True)),  # moderates their organisation's
    (("kramfors", "samordnare"), (False, False, False)),  # a colleague, not an admin
    (("solleftea", "admin"), (False, False, False)),  # an admin of another organisation
]


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        yield


def _comment():
    return threads.post(demo_user("kramfors", "handlaggare"), seed_plan(), None, "Om planen.")


@pytest.mark.parametrize(("who", "allowed"), DECISIONS)
def test_the_author_or_a_moderating_admin_removes_a_comment(ctx, who, allowed):
    comment, user = _comment(), demo_user(*who)
    decided = tuple(
        can(user, action, comment)
        for action in (Action.DELETE_COMMENT, Action.EDIT_COMMENT, Action.MODERATE_COMMENT)
    )
    assert decided == allowed


@pytest.mark.parametrize("who", [("kramfors", "samordnare"), ("solleftea", "admin")])
def test_a_refused_removal_names_who_may_remove_it(ctx, who):
    with pytest.raises(Denied, match="administratör i författarens organisation"):
        authorize(demo_user(*who), Action.DELETE_COMMENT, _comment())


def test_a_removed_comment_is_removed_by_nobody_again(ctx):
    comment = _comment()
    threads.delete(demo_user("kramfors", "handlaggare"), comment)
    for who, _allowed in DECISIONS:
        assert not can(demo_user(*who), Action.DELETE_COMMENT, comment)
