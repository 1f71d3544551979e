"""Follow-up threads in a real Chromium: live posts between organisations, internal notes that
stay internal, keyboard posting, the personal-data guardrail, editing and removing in place,
unread badges, inert script and an axe-core scan."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Response, expect

from tests.browser.conftest import LoginUi, axe_violations, login_through_ui, serve
from tests.conftest import _app_config
from workspace import create_app
from workspace.extensions import db

ACTIVITY = 3  # "Utbildning för krogägare ...": Kommun (ION) in both municipalities
ACTIVITY_PATH = f"/activities/{ACTIVITY}"
ITEMS = "#timeline-items > li"
POLICE = "Polisen, Sollefteå närpolisområde"
INTERNAL_BADGE = f"Intern – endast {POLICE}"
WARNING = "Skriv inte personuppgifter — håll dig på aggregerad nivå."
REMINDER = "Uppföljningen gäller planen, inte enskilda ärenden."
CONFIRMATION = re.compile(r"^Jag har kontrollerat: ")
LIVE_TIMEOUT = 6_000  # ms; with POLL_SECONDS=1 a post shows up on other pages within ~1-2 s

OpenAs = Callable[..., Page]


# --- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture
def fast_server(templates) -> Iterator[str]:
    """The demo workspace served by an app whose open pages poll every second."""
    uri = templates.fresh("demo")
    app = create_app(_app_config(uri, POLL_SECONDS=1))
    try:
        with serve(app) as base_url:
            yield base_url
    finally:
        with app.app_context():
            db.engine.dispose()
        templates.drop(uri)


@pytest.fixture
def open_as(new_context: Callable[..., BrowserContext]) -> OpenAs:
    """`open_as(base_url, "polisen", "lasare", "/activities/3")`: a person of their own (a new
    browser context), logged in through the form, on `path`, with htmx running and a
    `window.__marker` that disappears if the page is ever fully reloaded."""

    def _open(base_url: str, organisation: str, who: str, path: str | None = None) -> Page:
        context = new_context()
        context.set_default_timeout(10_000)
        page = context.new_page()
        login_through_ui(page, base_url, organisation, who)
        if path:
            page.goto(f"{base_url}{path}")
        settle(page)
        return page

    return _open


def settle(page: Page) -> None:
    """Wait for htmx (loaded with `defer`) and set the no-reload marker."""
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page: Page, who: str) -> None:
    assert page.evaluate("window.__marker") == 1, f"the page of {who} was fully reloaded"


def textarea(page: Page) -> Locator:
    return page.get_by_label("Kommentar", exact=True)


def write(page: Page, text: str, internal: bool = False) -> None:
    textarea(page).fill(text)
    if internal:
        page.get_by_role("radio", name="Intern för min organisation", exact=True).check()
    page.get_by_role("button", name="Publicera", exact=True).click()


def publish(page: Page) -> int:
    """Click "Publicera" and wait until the form has been swapped (a fresh one after a post,
    the same one with a message after a refusal); returns the answer's status."""
    page.locator("#comment-form").evaluate("form => { form.dataset.stale = 'yes'; }")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/comments")
    ) as answer:
        page.get_by_role("button", name="Publicera", exact=True).click()
    expect(page.locator("#comment-form[data-stale]")).to_have_count(0)
    return answer.value.status


def post_comment(page: Page, text: str, internal: bool = False) -> Locator:
    """Post through the form; returns the new comment, checked to be at the end of the
    timeline, with the form emptied and the textarea focused again."""
    before = page.locator(ITEMS).count()
    write(page, text, internal)
    expect(page.locator(ITEMS)).to_have_count(before + 1)
    item = page.locator(ITEMS).last
    expect(item).to_have_class(re.compile(r"\btimeline__item--comment\b"))
    expect(item).to_have_id(re.compile(r"^comment-\d+$"))
    expect(textarea(page)).to_have_value("")
    expect(textarea(page)).to_be_focused()
    return page.locator(f"#{item.get_attribute('id')}")


def same_comment(page: Page, item: Locator) -> Locator:
    """The same comment (by its id) on another person's page."""
    return page.locator(f"#{item.get_attribute('id')}")


def polls(page: Page) -> list[Response]:
    """Collects the answers to the page's live polls from now on."""
    answers: list[Response] = []
    page.on("response", lambda r: answers.append(r) if "/updates?" in r.url else None)
    return answers


def wait_for_polls(page: Page, count: int) -> None:
    """Wait until the page has had `count` more answers to its poll."""
    for _ in range(count):
        with page.expect_response(lambda r: "/updates?" in r.url, timeout=LIVE_TIMEOUT):
            pass


# --- live posting between organisations ----------------------------------------------------------


def test_a_shared_comment_appears_live_for_a_police_viewer(fast_server: str, open_as: OpenAs):
    viewer = open_as(fast_server, "polisen", "lasare", ACTIVITY_PATH)
    member = open_as(fast_server, "solleftea", "handlaggare", ACTIVITY_PATH)
    expect(viewer.locator("#follow-up")).to_contain_text(REMINDER)
    viewer_items_before = viewer.locator(ITEMS).count()

    item = post_comment(member, "Utbildningen hölls i **oktober** med 24 deltagare.")

    # The poster: the comment at the end, rendered, the form empty and focused, no reload.
    expect(item.locator(".timeline__body strong")).to_have_text("oktober")
    expect(item).to_contain_text("Elin Sjöberg, Sollefteå kommun")
    assert_not_reloaded(member, "the poster")

    # The viewer: the same comment appended at the end of the timeline within a few seconds.
    seen = same_comment(viewer, item)
    expect(seen).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(viewer.locator(ITEMS)).to_have_count(viewer_items_before + 1)
    expect(viewer.locator(ITEMS).last).to_have_id(item.get_attribute("id") or "")
    expect(seen.locator(".timeline__body strong")).to_have_text("oktober")
    expect(seen.locator(".timeline__body")).to_have_text(
        "Utbildningen hölls i oktober med 24 deltagare."
    )
    expect(seen).to_contain_text("Elin Sjöberg, Sollefteå kommun")
    expect(viewer.locator("#announcer")).to_have_text(
        "Ny kommentar från Elin Sjöberg (Sollefteå kommun)."
    )
    # A viewer reads, without edit or remove controls on someone else's comment.
    expect(seen.get_by_role("button", name=re.compile("^Ta bort"))).to_have_count(0)
    assert_not_reloaded(viewer, "the viewer")


def test_an_internal_police_note_never_reaches_a_kramfors_user(fast_server: str, open_as: OpenAs):
    secret = "Intern polisanteckning om spaning vid Storgatan."
    general_secret = "Intern polisnotis i allmänna tråden."
    outsider = open_as(fast_server, "kramfors", "lasare", ACTIVITY_PATH)
    colleague = open_as(fast_server, "polisen", "lasare", ACTIVITY_PATH)
    police = open_as(fast_server, "polisen", "handlaggare", ACTIVITY_PATH)
    outsider_polls = polls(outsider)
    outsider_items_before = outsider.locator(ITEMS).count()

    note = post_comment(police, secret, internal=True)
    expect(note.locator(".badge--internal")).to_have_text(INTERNAL_BADGE)
    note_id = note.get_attribute("id")
    police.goto(f"{fast_server}/plans/1/discussion")
    post_comment(police, general_secret, internal=True)

    # A police colleague sees it live, marked internal.
    seen = colleague.locator(f"#{note_id}")
    expect(seen).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(seen.locator(".badge--internal")).to_have_text(INTERNAL_BADGE)
    expect(seen.locator(".timeline__body")).to_have_text(secret)

    # Kramfors had the page open all along: three more polls come and go, nothing arrives.
    polled_before = len(outsider_polls)
    wait_for_polls(outsider, 3)
    assert len(outsider_polls) >= polled_before + 3
    expect(outsider.locator(ITEMS)).to_have_count(outsider_items_before)
    expect(outsider.locator("body")).not_to_contain_text("polisanteckning")
    expect(outsider.locator("#announcer")).not_to_contain_text("Ny kommentar")
    expect(outsider.locator(".badge--internal")).to_have_count(0)
    for answer in outsider_polls:
        if answer.status == 200:
            body = answer.text()
            assert "polisanteckning" not in body and "polisnotis" not in body, answer.url
            assert "Ny kommentar" not in body, answer.url
    assert_not_reloaded(outsider, "the Kramfors user")

    # Nor anywhere else: the overview counts nothing new (the read marker is still from before
    # the notes), the general discussion and the activity page after reloading show nothing.
    outsider.goto(f"{fast_server}/plans/1")
    expect(outsider.locator(f"#unread-{ACTIVITY}")).to_have_text("")
    expect(outsider.locator("#unread-general")).to_have_text("")
    expect(outsider.locator(".badge--new")).to_have_count(0)
    expect(outsider.locator("body")).not_to_contain_text("polisanteckning")
    expect(outsider.locator("body")).not_to_contain_text("polisnotis")
    outsider.goto(f"{fast_server}/plans/1/discussion")
    expect(outsider.locator("body")).not_to_contain_text("polisnotis")
    expect(outsider.locator("body")).not_to_contain_text("polisanteckning")
    outsider.goto(f"{fast_server}{ACTIVITY_PATH}")
    expect(outsider.locator(ITEMS)).to_have_count(outsider_items_before)
    expect(outsider.locator("body")).not_to_contain_text("polisanteckning")
    expect(outsider.locator(f"#{note_id}")).to_have_count(0)

    # The poll on this page does work: a shared police comment does reach Kramfors live.
    settle(outsider)
    police.goto(f"{fast_server}{ACTIVITY_PATH}")
    shared = post_comment(police, "Delad: polisen deltar i nästa utbildning.")
    expect(same_comment(outsider, shared)).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(outsider.locator(ITEMS)).to_have_count(outsider_items_before + 1)
    expect(outsider.locator("body")).not_to_contain_text("polisanteckning")
    assert_not_reloaded(outsider, "the Kramfors user")


# --- keyboard ------------------------------------------------------------------------------------

ACTIVE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "body";
  if (e.type === "radio") return "radio[" + e.value + (e.checked ? ",checked" : "") + "]";
  return (e.id ? "#" + e.id : e.tagName.toLowerCase()) +
         (e.tagName === "A" || e.tagName === "BUTTON" ? ":" + e.innerText.trim() : "");
}"""


def test_posting_with_the_keyboard_alone(page: Page, live_server: str, login: LoginUi):
    login(page, "kramfors", "handlaggare")
    page.goto(f"{live_server}{ACTIVITY_PATH}")
    settle(page)
    items_before = page.locator(ITEMS).count()

    # Real Tab presses from the top of the page (no locator.focus()): skip link, header,
    # breadcrumbs, the Kramfors status chip, then the comment textarea.
    visited = []
    for _ in range(60):
        page.keyboard.press("Tab")
        visited.append(page.evaluate(ACTIVE))
        if visited[-1] == "#comment-body":
            break
    assert visited[-1] == "#comment-body", f"Tab never reached the textarea: {visited}"
    page.keyboard.type("Tangentbordet räcker: *kursiv* och klart.")

    # The radio group is one tab stop; the arrow keys move to, and choose, "internal".
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE) == "radio[shared,checked]", page.evaluate(ACTIVE)
    page.keyboard.press("ArrowDown")
    assert page.evaluate(ACTIVE) == "radio[internal,checked]", page.evaluate(ACTIVE)
    expect(page.get_by_role("radio", name="Intern för min organisation")).to_be_checked()

    # Back to the textarea; Ctrl+Enter posts.
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(ACTIVE) == "#comment-body", page.evaluate(ACTIVE)
    page.keyboard.press("Control+Enter")

    expect(page.locator(ITEMS)).to_have_count(items_before + 1)
    item = page.locator(ITEMS).last
    expect(item.locator(".timeline__body")).to_have_text("Tangentbordet räcker: kursiv och klart.")
    expect(item.locator(".timeline__body em")).to_have_text("kursiv")
    expect(item.locator(".badge--internal")).to_have_text("Intern – endast Kramfors kommun")
    expect(textarea(page)).to_be_focused()
    expect(textarea(page)).to_have_value("")
    # The fresh form is shared again by default.
    expect(page.get_by_role("radio", name="Delad med alla organisationer")).to_be_checked()
    assert_not_reloaded(page, "the poster")


# --- the personal-data guardrail -----------------------------------------------------------------


def test_a_personal_identity_number_needs_an_explicit_confirmation(
    page: Page, live_server: str, login: LoginUi
):
    login(page, "kramfors", "handlaggare")
    page.goto(f"{live_server}{ACTIVITY_PATH}")
    settle(page)
    items_before = page.locator(ITEMS).count()
    text = "Gäller 811218-9876"
    form = page.locator("#comment-form")

    textarea(page).fill(text)
    page.get_by_role("radio", name="Intern för min organisation", exact=True).check()
    assert publish(page) == 422

    warning = form.get_by_role("alert")
    expect(warning).to_contain_text(WARNING)
    expect(warning).to_contain_text("811218-9876")
    expect(textarea(page)).to_have_value(text)
    expect(textarea(page)).to_be_focused()
    expect(page.get_by_role("radio", name="Intern för min organisation")).to_be_checked()
    expect(page.locator(ITEMS)).to_have_count(items_before)  # nothing was posted
    expect(page.get_by_role("checkbox", name=CONFIRMATION)).not_to_be_checked()

    # Publicera again without confirming: still refused, still kept.
    assert publish(page) == 422
    expect(form.get_by_role("alert")).to_contain_text(WARNING)
    expect(textarea(page)).to_have_value(text)
    expect(page.locator(ITEMS)).to_have_count(items_before)

    page.get_by_role("checkbox", name=CONFIRMATION).check()
    assert publish(page) == 200

    expect(page.locator(ITEMS)).to_have_count(items_before + 1)
    item = page.locator(ITEMS).last
    expect(item.locator(".timeline__body")).to_have_text(text)
    expect(item.locator(".badge--internal")).to_have_text("Intern – endast Kramfors kommun")
    expect(form.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("checkbox", name=CONFIRMATION)).to_have_count(0)
    expect(textarea(page)).to_have_value("")
    assert_not_reloaded(page, "the poster")


# --- editing and removing one's own comment ------------------------------------------------------


def test_editing_and_removing_ones_own_comment_in_place(
    page: Page, live_server: str, login: LoginUi
):
    login(page, "solleftea", "handlaggare")
    page.goto(f"{live_server}{ACTIVITY_PATH}")
    settle(page)
    item = post_comment(page, "Första versionen.")
    edit = item.get_by_role("link", name=re.compile(r"^Redigera"))

    edit.click()
    editor = item.locator("textarea")
    expect(editor).to_have_value("Första versionen.")
    expect(editor).to_be_focused()
    editor.fill("Andra versionen, **rättad**.")
    item.get_by_role("button", name="Spara", exact=True).click()

    expect(item.locator("textarea")).to_have_count(0)
    expect(item.locator(".timeline__body")).to_have_text("Andra versionen, rättad.")
    expect(item.locator(".timeline__body strong")).to_have_text("rättad")
    expect(item.locator(".timeline__meta")).to_contain_text("redigerad")

    # Escape cancels an edit, and so does "Avbryt": the comment comes back unchanged.
    edit.click()
    expect(item.locator("textarea")).to_have_value("Andra versionen, **rättad**.")
    item.locator("textarea").fill("Detta ska inte sparas.")
    item.locator("textarea").press("Escape")
    expect(item.locator("textarea")).to_have_count(0)
    expect(item.locator(".timeline__body")).to_have_text("Andra versionen, rättad.")
    edit.click()
    item.locator("textarea").fill("Inte heller detta.")
    item.get_by_role("link", name="Avbryt", exact=True).click()
    expect(item.locator("textarea")).to_have_count(0)
    expect(item.locator(".timeline__body")).to_have_text("Andra versionen, rättad.")

    # Removing asks first; saying no keeps the comment.
    remove = item.get_by_role("button", name=re.compile(r"^Ta bort"))
    for accept in (False, True):
        page.once(
            "dialog", lambda dialog, accept=accept: dialog.accept() if accept else dialog.dismiss()
        )
        with page.expect_event("dialog", timeout=3_000) as asked:
            remove.click()
        assert asked.value.message == "Ta bort kommentaren? Det går inte att ångra."
        if not accept:
            page.wait_for_timeout(300)  # a request that should not have been sent
            expect(item.locator(".timeline__body")).to_have_text("Andra versionen, rättad.")

    expect(item).to_contain_text("Kommentaren har tagits bort")
    expect(item.locator(".timeline__body")).to_have_count(0)
    expect(item.get_by_role("link", name=re.compile(r"^Redigera"))).to_have_count(0)
    assert_not_reloaded(page, "the author")

    page.reload()
    expect(item).to_contain_text("Kommentaren har tagits bort")
    expect(page.locator("#timeline-items")).not_to_contain_text("versionen")


# --- unread badges -------------------------------------------------------------------------------


def test_unread_badges_on_the_overview_appear_live_and_clear_on_reading(
    fast_server: str, open_as: OpenAs
):
    reader = open_as(fast_server, "kramfors", "lasare")  # on the plan overview after login
    badge = reader.locator(f"#unread-{ACTIVITY}")
    expect(badge).to_have_text("")
    expect(reader.locator(".badge--new")).to_have_count(0)

    member = open_as(fast_server, "solleftea", "handlaggare", ACTIVITY_PATH)
    post_comment(member, "Första nyheten.")
    post_comment(member, "Andra nyheten.")

    expect(badge).to_contain_text("2 nya", timeout=LIVE_TIMEOUT)
    expect(reader.locator(".badge--new")).to_have_count(1)
    assert_not_reloaded(reader, "the reader")
    reader.reload()
    expect(badge).to_contain_text("2 nya")

    reader.locator("h3", has=badge).get_by_role("link").click()
    expect(reader).to_have_url(re.compile(rf"{ACTIVITY_PATH}$"))
    expect(reader.locator("#timeline-items")).to_contain_text("Andra nyheten.")
    reader.get_by_role("navigation", name=re.compile("Du är här", re.I)).get_by_role(
        "link"
    ).first.click()
    expect(reader).to_have_url(re.compile(r"/plans/1$"))
    expect(reader.locator(f"#unread-{ACTIVITY}")).to_have_text("")
    expect(reader.locator(".badge--new")).to_have_count(0)


# --- script stays inert --------------------------------------------------------------------------

NASTY = (
    '<img src=x onerror="window.__xss=1"> [x](javascript:window.__xss=2) '
    "<script>window.__xss=3</script>"
)


def test_script_in_a_comment_is_shown_as_text_and_never_runs(fast_server: str, open_as: OpenAs):
    viewer = open_as(fast_server, "polisen", "lasare", ACTIVITY_PATH)
    member = open_as(fast_server, "solleftea", "handlaggare", ACTIVITY_PATH)
    dialogs: list[str] = []
    for page in (viewer, member):
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    item = post_comment(member, NASTY)
    seen = same_comment(viewer, item)
    expect(seen).to_be_visible(timeout=LIVE_TIMEOUT)

    for who, page, comment in (("viewer", viewer, seen), ("poster", member, item)):
        body = comment.locator(".timeline__body")
        # Give an image error handler time to fire had the markup become an element.
        page.wait_for_timeout(500)
        body.click()  # clicking the would-be link does nothing either
        assert page.evaluate("typeof window.__xss") == "undefined", f"script ran for the {who}"
        expect(body).to_have_text(NASTY)
        expect(body.locator("img, script, a, iframe")).to_have_count(0)
        assert_not_reloaded(page, f"the {who}")
    viewer.reload()
    expect(same_comment(viewer, item).locator(".timeline__body")).to_have_text(NASTY)
    viewer.wait_for_timeout(500)
    assert viewer.evaluate("typeof window.__xss") == "undefined", "script ran after a reload"
    assert dialogs == []


# --- accessibility -------------------------------------------------------------------------------


def test_a_thread_with_comments_and_the_warning_has_no_serious_accessibility_violations(
    page: Page, live_server: str, login: LoginUi
):
    login(page, "polisen", "handlaggare")
    page.goto(f"{live_server}{ACTIVITY_PATH}")
    settle(page)
    post_comment(page, "Delad kommentar med **fetstil** och en lista:\n\n- ett\n- två")
    post_comment(page, "Intern anteckning för polisen.", internal=True)
    write(page, "Gäller 811218-9876")
    expect(page.locator("#comment-form").get_by_role("alert")).to_contain_text(WARNING)
    expect(page.locator(".badge--internal")).to_have_count(1)

    details = axe_violations(page)
    assert not details, f"axe-core found serious or critical violations:\n{details}"
