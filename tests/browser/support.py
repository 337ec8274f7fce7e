"""What the browser tests share besides fixtures: the marks, axe, signing in, and moving
focus with the keyboard alone."""

from typing import Any

import pytest
from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

# Every browser test: a real Chromium against the live server, so a database that is really
# committed (the server thread must see it) and flushed after; serialized_rollback puts the
# migrations' data (prompt wording, categories, closure codes) back for each test.
BROWSER = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Screenshots are taken at this width (docs/screenshots/).
VIEWPORT = {"width": 1280, "height": 900}

# Impacts that fail the suite; moderate and minor ones are printed.
FAILING_IMPACTS = {"serious", "critical"}

# Every top-level document records itself in sessionStorage (which survives navigation
# within the tab), and axe_check marks the document it checked. Comparing the two at the
# end of a test finds any page a journey visited without checking it.
TRACK_DOCUMENTS = """
(() => {
  if (window !== window.top) return;
  try {
    const seen = JSON.parse(sessionStorage.getItem("__docs") || "[]");
    seen.push({id: String(performance.timeOrigin), url: location.pathname + location.search});
    sessionStorage.setItem("__docs", JSON.stringify(seen));
  } catch (e) { /* about:blank has no storage */ }
})();
"""
MARK_CHECKED = """
() => {
  const checked = JSON.parse(sessionStorage.getItem("__axe") || "[]");
  checked.push(String(performance.timeOrigin));
  sessionStorage.setItem("__axe", JSON.stringify(checked));
}
"""


_axe = Axe()


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


# Pages that show the same thing to everyone (the sign-in page) are checked once a session;
# later visits are marked checked without running axe again.
_checked_once: set[str] = set()


def run_axe(page: Page, *, once_per_session: bool = False) -> None:
    """axe-core (axe-playwright-python's bundled copy) over the page as it is now: every rule
    axe runs by default (WCAG 2.0, 2.1 and 2.2 A and AA, and best practice). Fails on any
    serious or critical violation, naming the rule, its impact and the offending nodes."""
    key = page.url.split("?")[0]
    if once_per_session and key in _checked_once:
        page.evaluate(MARK_CHECKED)
        return
    # Inject axe once per document: a page checked twice (after an htmx swap) reuses it.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe.axe_script)
    results = AxeResults(page.evaluate("() => axe.run(document, {resultTypes: ['violations']})"))
    page.evaluate(MARK_CHECKED)
    violations = results.response["violations"]
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    others = [v for v in violations if v["impact"] not in FAILING_IMPACTS]
    if others:
        print(f"axe, not failing, on {page.url}:\n{_describe(others)}")
    assert not failing, f"axe found serious or critical violations on {page.url}:\n{_describe(failing)}"
    if once_per_session:
        _checked_once.add(key)


def login(page: Page, user: Any, *, password: str = PASSWORD) -> None:
    """Sign in through the login page, by keyboard: the username field has autofocus."""
    page.goto("/login/")
    run_axe(page, once_per_session=True)
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)


def focused(page: Page) -> dict[str, str]:
    """The focused element: its id, tag, type, name and the id of its [data-section]."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const section = el && el.closest("[data-section]");
            return {id: el.id || "", tag: el.tagName.toLowerCase(), type: el.type || "",
                    name: el.name || "", text: (el.textContent || "").trim().slice(0, 80),
                    section: section ? section.id : ""};
        }"""
    )


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{limit} presses of {key} never reached {selector}")
