"""One rule decides where `next` may send a user: a path on this site, as browsers read it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workspace.web.auth import is_local_path

EVIL = "evil.example"


@pytest.mark.parametrize(
    "target",
    [
        f"//{EVIL}",
        f"///{EVIL}",
        f"////{EVIL}",
        f"/\\{EVIL}",
        f"\\\\{EVIL}",
        f"\\/{EVIL}",
        f"/\\/{EVIL}",
        f"/plans/1\\..\\..\\{EVIL}",
        f"https://{EVIL}/",
        f"https:/{EVIL}",
        f"javascript:alert(1)//{EVIL}",
        f"/\t/{EVIL}",
        f"/\n/{EVIL}",
        f"/\r\n/{EVIL}",
        "/plans/1\r\nSet-Cookie: x=1",
        f"/\x00/{EVIL}",
        f"/\x7f/{EVIL}",
        "/plans/\ud800",
        f" //{EVIL}",
        f"\t//{EVIL}",
        EVIL,
        "plans/1",
        "",
    ],
)
def test_other_sites_and_header_tricks_are_refused(target):
    assert not is_local_path(target)


@pytest.mark.parametrize(
    "target",
    ["/", "/plans/1", "/plans/1?tab=rounds&x=%2F%2Fevil", "/activities/3#comment-4", "/a//b"],
)
def test_paths_on_this_site_are_kept(target):
    assert is_local_path(target)


C0_AND_SPACE = "".join(map(chr, range(33)))


# Browsers trim control characters and spaces around a URL, drop tabs and line breaks inside
# it and read a backslash as a slash.
def _as_a_browser_reads_it(target: str) -> str:
    trimmed = target.strip(C0_AND_SPACE)
    return "".join(c for c in trimmed if c not in "\t\n\r").replace("\\", "/")


@given(st.text())
def test_whatever_is_accepted_stays_on_this_site(target):
    if is_local_path(target):
        read = _as_a_browser_reads_it(target)
        assert read.startswith("/") and not read.startswith("//")


@given(st.sampled_from(["//", "///", "/\\", "\\", "http:", "https://", "/\t/"]), st.text())
def test_a_target_that_starts_like_another_site_is_refused(prefix, rest):
    assert not is_local_path(prefix + rest)


@given(st.from_regex(r"\A(/[A-Za-z0-9._~%-]+)+/?(\?[A-Za-z0-9=&%]*)?\Z"))
def test_ordinary_paths_are_accepted(target):
    assert is_local_path(target)
