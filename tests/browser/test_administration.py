"""Administration in a real Chromium, through the Swedish UI: an admin deactivates the only
holder of ION and BSN, sees the vacancy flagged, appoints a new holder and the flag goes; a new
person gets a one-time password link; a viewer changes their own password and language; a
coordinator reorders the plan's areas with the keyboard and edits a goal; and axe-core finds no
serious accessibility violations on the administration and plan-editing pages.

Only links, buttons and form fields by their Swedish names; each person has a browser context
of their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.conftest import ORGANISATIONS, LoginUi, axe_violations, login_through_ui
from workspace.services.demo import DEMO_PASSWORD

KRAMFORS = ORGANISATIONS["kramfors"]
LOGIN_ERROR = "Organisationen, e-postadressen eller lösenordet är fel."
ION = "ION – Individ- och omsorgsnämnden"
BSN = "BSN – Barn- och skolnämnden"
KUN = "KUN – Kultur-, utbildnings- och fritidsnämnden"

NewContext = Callable[..., BrowserContext]
OpenAs = Callable[[str, str], Page]


@pytest.fixture
def open_as(live_server: str, new_context: NewContext) -> OpenAs:
    """`open_as("kramfors", "samordnare")`: another person in a browser context of their own
    (sv-SE, like the default one), logged in through the form, on the plan overview."""

    def _open(organisation: str, who: str) -> Page:
        context = new_context()
        context.set_default_timeout(10_000)
        page = context.new_page()
        login_through_ui(page, live_server, organisation, who)
        return page

    return _open


# --- what people do ------------------------------------------------------------------------------


def open_users(page: Page) -> None:
    """From any page: the header's "Administration", which opens the list of users."""
    page.get_by_role("banner").get_by_role("link", name="Administration", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Användare")
    admin_nav = page.get_by_role("navigation", name="Administration")
    expect(admin_nav.get_by_role("link", name="Användare", exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def open_person(page: Page, name: str) -> None:
    page.get_by_role("table").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(rf"^{name}"))


def vacant_box(page: Page) -> Locator:
    return page.get_by_role("region", name="Vakanta funktioner")


def vacant_codes(page: Page) -> list[str]:
    """The function codes the users page lists as without a holder ([] when no box)."""
    box = vacant_box(page)
    if box.count() == 0:
        return []
    return sorted(box.get_by_role("listitem").locator("strong").all_inner_texts())


def assignment(page: Page, code: str, organisation: str) -> Locator:
    """The plan overview's assignment rows of one function of one organisation."""
    return (
        page.locator("li.assignment")
        .filter(has=page.locator(".assignment__function", has_text=re.compile(rf"^{code}$")))
        .filter(has=page.locator(".assignment__org", has_text=organisation))
    )


def log_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Logga ut", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in i Samverkan")


def try_login(page: Page, base_url: str, organisation: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_role("radio", name=ORGANISATIONS[organisation], exact=True).check()
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in", exact=True).click()


def login_refused(page: Page) -> str:
    """The login page's answer to a failed attempt; the person is still on the login page."""
    alert = page.locator("#login-form").get_by_role("alert")
    expect(alert).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("banner").get_by_role("button", name="Logga ut")).to_have_count(0)
    return alert.inner_text().strip()


# --- 1. a departure never leaves an assignment silently orphaned ---------------------------------


def test_deactivating_the_only_ion_holder_flags_the_vacancy_until_someone_is_appointed(
    live_server: str, login: LoginUi, page: Page, open_as: OpenAs
) -> None:
    admin = page
    login(admin, "kramfors", "admin")
    expect(admin.get_by_role("banner")).to_contain_text("Karin Holm")
    open_users(admin)

    # From the start only KUN lacks a holder; Lina Forsberg holds ION and BSN.
    expect(vacant_box(admin)).to_be_visible()
    expect(vacant_box(admin).get_by_role("listitem")).to_have_text([KUN])
    lina_row = admin.get_by_role("row").filter(has_text="Lina Forsberg")
    expect(lina_row.get_by_role("cell").last).to_have_text(re.compile(r"^(ION, BSN|BSN, ION)$"))

    # Lina herself is logged in, in a browser of her own.
    lina = open_as("kramfors", "handlaggare")
    expect(lina.get_by_role("banner")).to_contain_text("Lina Forsberg")

    # The coordinator's overview: KUN marked vacant, ION not yet.
    coordinator = open_as("kramfors", "samordnare")
    expect(vacant_box(coordinator)).to_contain_text("KUN")
    expect(vacant_box(coordinator)).not_to_contain_text("ION")
    kramfors_ion = assignment(coordinator, "ION", KRAMFORS)
    expect(kramfors_ion.first).to_be_visible()
    expect(kramfors_ion.locator(".badge--vacant")).to_have_count(0)

    # Deactivating Lina: the warning names both functions she alone holds.
    open_person(admin, "Lina Forsberg")
    access = admin.get_by_role("region", name="Åtkomst")
    access.get_by_role("link", name="Inaktivera", exact=True).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Inaktivera Lina Forsberg?")
    warning = admin.get_by_role("alert").filter(has_text="enda aktiva innehavaren")
    expect(warning).to_contain_text(
        "Lina Forsberg är den enda aktiva innehavaren som får rapportera för de här funktionerna"
    )
    held_alone = warning.get_by_role("listitem")
    expect(held_alone).to_have_count(2)
    assert sorted(held_alone.all_inner_texts()) == [BSN, ION]
    expect(warning).to_contain_text("De saknar innehavare tills du utser någon.")

    # Without ticking the confirmation nothing happens but an error next to the box.
    admin.get_by_role("button", name="Inaktivera", exact=True).click()
    expect(admin.get_by_text("Bekräfta för att fortsätta.", exact=True)).to_be_visible()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Inaktivera Lina Forsberg?")

    admin.get_by_role("checkbox", name="Ja, inaktivera Lina Forsberg", exact=True).check()
    admin.get_by_role("button", name="Inaktivera", exact=True).click()

    expect(admin.get_by_role("heading", level=1)).to_have_text("Användare")
    expect(admin.get_by_text("Lina Forsberg är inaktiverad.", exact=True)).to_be_visible()
    assert vacant_codes(admin) == ["BSN", "ION", "KUN"]
    expect(admin.get_by_role("rowheader", name="Lina Forsberg (inaktiv)")).to_be_visible()

    # The coordinator's overview now marks Kramfors' ION assignments vacant.
    coordinator.reload()
    box = vacant_box(coordinator)
    expect(box).to_contain_text(re.compile(r"\bION\b"))
    expect(box).to_contain_text(re.compile(r"\bBSN\b"))
    expect(box).to_contain_text(f"Ingen aktiv användare i {KRAMFORS} som får rapportera har")
    expect(kramfors_ion.first).to_be_visible()
    badges = kramfors_ion.locator(".badge--vacant")
    expect(badges).to_have_count(kramfors_ion.count())
    expect(badges.first).to_have_text(re.compile(r"^vakant"))

    # Per Ek is appointed to ION, and made a member so that he may report for it.
    open_person(admin, "Per Ek")
    holds = admin.get_by_role("group", name="Funktioner som personen har")
    holds.get_by_role("checkbox", name=ION, exact=True).check()
    admin.get_by_role("group", name="Roll").get_by_role("radio", name="Handläggare").check()
    admin.get_by_role("button", name="Spara", exact=True).click()
    expect(admin.get_by_text("Ändringarna är sparade.", exact=True)).to_be_visible()
    expect(holds.get_by_role("checkbox", name=ION, exact=True)).to_be_checked()

    open_users(admin)
    assert vacant_codes(admin) == ["BSN", "KUN"]
    per_row = admin.get_by_role("row").filter(has_text="Per Ek")
    expect(per_row.get_by_role("cell").last).to_have_text("ION")

    coordinator.reload()
    expect(vacant_box(coordinator)).not_to_contain_text(re.compile(r"\bION\b"))
    expect(vacant_box(coordinator)).to_contain_text(re.compile(r"\bBSN\b"))
    expect(kramfors_ion.locator(".badge--vacant")).to_have_count(0)

    # Lina's open session has ended: her next page is the login page.
    lina.reload()
    expect(lina).to_have_url(re.compile(r"/login\?next="))
    expect(lina.get_by_role("heading", level=1)).to_have_text("Logga in i Samverkan")
    # She can no longer log in, and is told no more than anybody with a wrong password.
    try_login(lina, live_server, "kramfors", "handlaggare@kramfors.example", "fel-lösenord")
    wrong_password = login_refused(lina)
    assert wrong_password == LOGIN_ERROR
    try_login(lina, live_server, "kramfors", "handlaggare@kramfors.example", DEMO_PASSWORD)
    assert login_refused(lina) == wrong_password

    # Her history stays, marked inactive.
    admin.goto(f"{live_server}/activities/3")
    expect(admin.locator(".timeline__author", has_text="Lina Forsberg").first).to_have_text(
        "Lina Forsberg (inaktiv)"
    )


# --- 2. a new person and the one-time password link ----------------------------------------------


def test_admin_adds_a_person_who_sets_a_password_with_a_one_time_link(
    live_server: str, login: LoginUi, page: Page, new_context: NewContext
) -> None:
    admin = page
    login(admin, "kramfors", "admin")
    open_users(admin)
    admin.get_by_role("link", name="Lägg till en användare", exact=True).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Lägg till en användare")
    admin.get_by_label("Namn", exact=True).fill("Nora Nyman")
    admin.get_by_label("E-postadress", exact=True).fill("nora@kramfors.se")
    admin.get_by_role("radio", name=re.compile(r"^Handläggare – ")).check()
    admin.get_by_role("button", name="Lägg till användaren", exact=True).click()

    expect(admin.get_by_role("heading", level=1)).to_have_text("Nora Nyman")
    expect(
        admin.get_by_text("Nora Nyman är tillagd. Ge personen en lösenordslänk.", exact=True)
    ).to_be_visible()
    expect(admin.get_by_role("radio", name=re.compile(r"^Handläggare – "))).to_be_checked()

    admin.get_by_role("button", name="Skapa en engångslänk för lösenord", exact=True).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Lösenordslänk för Nora Nyman")
    field = admin.get_by_label("Länk", exact=True)
    expect(field).not_to_be_editable()
    link = field.input_value()
    assert link.startswith(f"{live_server}/password/"), link

    # Nora opens it in a browser of her own, nobody logged in.
    nora = new_context().new_page()
    nora.goto(link)
    expect(nora.get_by_role("heading", level=1)).to_have_text("Välj ditt lösenord")
    expect(nora.get_by_text(f"För Nora Nyman, {KRAMFORS}.", exact=True)).to_be_visible()
    password = nora.get_by_label("Nytt lösenord", exact=True)
    password.fill("sommar2026")
    nora.get_by_role("button", name="Spara lösenordet", exact=True).click()
    common = "Det lösenordet är för vanligt. Välj ett som är svårare att gissa."
    expect(nora.locator(".field__error")).to_have_text(common)
    expect(password).to_have_attribute("aria-invalid", "true")

    good = "Nyman-tranbär-vid-Ångermanälven"
    password.fill(good)
    nora.get_by_role("button", name="Spara lösenordet", exact=True).click()
    password_set = "Ditt lösenord är sparat. Logga in med det."
    expect(nora.get_by_text(password_set, exact=True)).to_be_visible()
    expect(nora.get_by_role("heading", level=1)).to_have_text("Logga in i Samverkan")
    # The link brought her organisation along: Kramfors is already chosen.
    expect(nora.get_by_role("radio", name=KRAMFORS, exact=True)).to_be_checked()
    nora.get_by_label("E-postadress").fill("nora@kramfors.se")
    nora.get_by_label("Lösenord").fill(good)
    nora.get_by_role("button", name="Logga in", exact=True).click()
    expect(nora).to_have_url(re.compile(r"/plans/\d+$"))
    expect(nora.get_by_role("banner")).to_contain_text("Nora Nyman")
    expect(nora.get_by_role("banner")).to_contain_text(KRAMFORS)

    # The link worked once.
    once_more = new_context().new_page()
    response = once_more.goto(link)
    assert response is not None and response.status == 404
    expect(once_more.get_by_role("heading", level=1)).to_have_text("Länken fungerar inte")
    expect(once_more.get_by_label("Nytt lösenord")).to_have_count(0)


# --- 3. one's own account ------------------------------------------------------------------------


def test_viewer_changes_password_and_language_on_my_account(
    live_server: str, login: LoginUi, page: Page
) -> None:
    login(page, "kramfors", "lasare")
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="Administration")).to_have_count(0)
    banner.get_by_role("link", name="Mitt konto", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt konto")
    expect(page.locator("main")).to_contain_text("Per Ek · lasare@kramfors.example")

    new_password = "Blåbärsris-vid-Nyland-7"
    current = page.get_by_label("Nuvarande lösenord", exact=True)
    current.fill("inte-mitt-lösenord")
    page.get_by_label("Nytt lösenord", exact=True).fill(new_password)
    page.get_by_role("button", name="Byt lösenord", exact=True).click()

    error = "Det nuvarande lösenordet är fel."
    current = page.get_by_label("Nuvarande lösenord", exact=True)
    expect(current).to_have_attribute("aria-invalid", "true")
    # Next to the field, and what a screen reader says on reaching it.
    field = page.locator(".field").filter(has=current)
    expect(field.locator(".field__error")).to_have_text(error)
    expect(current).to_have_accessible_description(error)
    expect(page.get_by_role("alert")).to_contain_text(error)
    expect(page.get_by_label("Nytt lösenord", exact=True)).not_to_have_attribute(
        "aria-invalid", "true"
    )

    current.fill(DEMO_PASSWORD)
    page.get_by_label("Nytt lösenord", exact=True).fill(new_password)
    page.get_by_role("button", name="Byt lösenord", exact=True).click()
    expect(page.get_by_text("Ditt lösenord är bytt.", exact=True)).to_be_visible()
    expect(page.get_by_label("Nuvarande lösenord", exact=True)).not_to_have_attribute(
        "aria-invalid", "true"
    )

    log_out(page)
    try_login(page, live_server, "kramfors", "lasare@kramfors.example", DEMO_PASSWORD)
    assert login_refused(page) == LOGIN_ERROR  # the old password is gone
    login(page, "kramfors", "lasare", password=new_password)
    expect(page.get_by_role("banner")).to_contain_text("Per Ek")

    page.get_by_role("banner").get_by_role("link", name="Mitt konto", exact=True).click()
    language = page.get_by_role("region", name="Språk")
    expect(language.get_by_role("button", name="Svenska", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    language.get_by_role("button", name="English", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    expect(
        page.get_by_role("region", name="Language").get_by_role("button", name="English")
    ).to_have_attribute("aria-pressed", "true")


# --- 4. the plan's content, with the keyboard ----------------------------------------------------


def test_coordinator_moves_an_area_with_the_keyboard_and_edits_a_goal(
    live_server: str, login: LoginUi, page: Page
) -> None:
    login(page, "kramfors", "samordnare")
    overview_url = page.url
    area_titles = page.locator("section.area h2")
    expect(area_titles.nth(2)).to_contain_text("Barn och ungdomar")
    expect(area_titles.nth(3)).to_contain_text("Tillgreppsbrott")

    page.get_by_role("link", name="Redigera planens innehåll", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redigera planens innehåll")
    editor_titles = page.locator("section.editor-area h2")
    expect(editor_titles.nth(2)).to_have_text("3. Barn och ungdomar")
    expect(editor_titles.nth(3)).to_have_text("4. Tillgreppsbrott")

    # Keyboard only. Focus starts on the last control of "Barn och ungdomar" (placed there
    # with locator.focus(), as a person would have tabbed down to it); one Tab reaches the
    # "↑" of "Tillgreppsbrott", and Enter presses it.
    page.get_by_role("link", name="Lägg till en aktivitet i Barn och ungdomar").focus()
    page.keyboard.press("Tab")
    move_up = page.get_by_role("button", name="↑ Flytta upp: Tillgreppsbrott", exact=True)
    expect(move_up).to_be_focused()
    page.keyboard.press("Enter")

    expect(editor_titles.nth(2)).to_have_text("3. Tillgreppsbrott")
    expect(editor_titles.nth(3)).to_have_text("4. Barn och ungdomar")
    expect(page).to_have_url(re.compile(r"/plans/\d+/content#area-\d+$"))

    page.goto(overview_url)
    expect(area_titles.nth(2)).to_have_text(re.compile(r"^\s*3\s+Tillgreppsbrott\s*$"))
    expect(area_titles.nth(3)).to_have_text(re.compile(r"^\s*4\s+Barn och ungdomar\s*$"))

    # Edit the goal of the first activity of "Tillgreppsbrott".
    page.get_by_role("link", name="Redigera planens innehåll", exact=True).click()
    area = page.get_by_role("region", name="3. Tillgreppsbrott")
    activity_title = area.locator(".editor-activity__title").first.inner_text().strip()
    area.get_by_role("link", name=f"Redigera {activity_title}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redigera aktiviteten")
    goal = page.get_by_label("Mål", exact=True)
    old_goal = goal.input_value()
    new_goal = "Antalet anmälda butiksstölder i centrum ska minska med en tredjedel till 2013."
    assert old_goal and old_goal != new_goal
    goal.fill(new_goal)
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_text("Aktiviteten är sparad.", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redigera planens innehåll")

    page.get_by_role("navigation", name="Du är här").get_by_role("link").first.click()
    expect(page).to_have_url(overview_url)
    shown = page.locator("li.activity").filter(
        has=page.get_by_role("heading", name=activity_title, exact=True)
    )
    expect(shown.locator(".activity__goal")).to_have_text(f"Mål: {new_goal}")
    expect(page.get_by_text(old_goal, exact=True)).to_have_count(0)


# --- 5. accessibility ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "where"),
    [
        ("admin", "/admin/users"),
        ("admin", "a user's edit page"),
        ("admin", "/admin/audit"),
        ("samordnare", "/plans/1/content"),
    ],
)
def test_no_serious_accessibility_violations(
    page: Page, live_server: str, login: LoginUi, who: str, where: str
) -> None:
    login(page, "kramfors", who)
    if where == "a user's edit page":
        page.goto(f"{live_server}/admin/users")
        open_person(page, "Lina Forsberg")
    else:
        page.goto(f"{live_server}{where}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_function("() => window.htmx !== undefined")

    details = axe_violations(page)
    assert not details, f"axe-core found serious or critical violations on {where}:\n{details}"
