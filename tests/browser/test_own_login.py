"""The organisation's own login in Chromium, against a real OpenID provider (npm's
oidc-provider): Kramfors' admin sets it up on the admin page, a Kramfors user signs in
through it and lands in Kramfors' workspace, a police account at the same provider is
refused in Swedish. axe finds nothing serious on the pages of ours on the way."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi, axe_violations
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider


def _sign_in_at_provider(page: Page, login: str) -> None:
    """The provider's own development forms: any login name, then consent."""
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_a_kramfors_user_signs_in_through_kramfors_login(
    page: Page, login: LoginUi, live_server: str
):
    callback = f"{live_server}/login/kramfors/provider/callback"
    with running_provider([callback], post_logout_redirect_uris=(f"{live_server}/login",)) as idp:
        login(page, "kramfors", "admin")
        page.get_by_role("link", name="Administration").click()
        page.get_by_role("link", name="Egen inloggning").click()
        expect(page.get_by_text(callback)).to_be_visible()  # what IT registers
        assert axe_violations(page) == ""
        page.get_by_label("Utfärdare").fill(idp.issuer)
        page.get_by_label("Klient-id").fill(CLIENT_ID)
        page.get_by_label("Klienthemlighet").fill(CLIENT_SECRET)
        page.get_by_role("button", name="Spara").click()
        expect(page.get_by_text("Organisationens egen inloggning är sparad.")).to_be_visible()
        page.get_by_role("button", name="Logga ut").click()

        page.goto(f"{live_server}/login?organisation=kramfors")
        own_login = page.get_by_role("link", name="Logga in med Kramfors kommuns inloggning")
        expect(own_login).to_be_visible()
        assert axe_violations(page) == ""
        own_login.click()
        _sign_in_at_provider(page, "handlaggare@kramfors.example")
        expect(page).to_have_url(re.compile(rf"{live_server}/plans/\d+$"))
        expect(page.get_by_text("Kramfors kommun").first).to_be_visible()

        page.get_by_role("button", name="Logga ut").click()
        # The provider's session ends too; it asks, then sends the browser back to the login.
        page.get_by_role("button", name=re.compile("Yes, sign me out", re.I)).click()
        expect(page).to_have_url(re.compile(rf"{live_server}/login"))

        page.get_by_role("link", name="Logga in med Kramfors kommuns inloggning").first.click()
        _sign_in_at_provider(page, "handlaggare@polisen.example")
        expect(page.get_by_role("heading", name="Du kan inte logga in")).to_be_visible()
        expect(page.get_by_text("ingen användare för dig i Kramfors kommun")).to_be_visible()
        assert axe_violations(page) == ""
        page.goto(f"{live_server}/plans/1")
        expect(page).to_have_url(re.compile(r"/login"))
