"""A real browser enforces the Content-Security-Policy: the pages with script (visit entry),
charts (timeline) and the API docs (Swagger UI) work and report no violation."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded by the browser itself, before any page script runs (not subject to the policy).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched_page(page):
    """The page, with every console error and policy violation kept for the test."""
    page.add_init_script(RECORD_VIOLATIONS)
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    return page


def _login(page, user):
    user.set_password("frailty-demo")
    user.save()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("frailty-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _assert_no_violation(page):
    assert page.evaluate("window.__cspViolations") == []
    assert [m for m in page.console_errors if "Content Security Policy" in m] == []


def test_visit_entry_timeline_and_api_docs_run_under_the_policy(
    watched_page, clinician_a, patient_a, history_a
):
    page = watched_page
    _login(page, clinician_a)

    response = page.goto(f"/assessments/{patient_a.study_id}/visits/new/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    fried = page.locator("#section-fried")
    fried.locator("summary").click()
    fried.get_by_label("Grip (kg)", exact=True).fill("16")
    fried.get_by_label("Walk 15 ft (s)", exact=True).fill("7.4")
    fried.get_by_label("Kcal per week").fill("250")
    fried.get_by_label("CES-D effort").fill("1")
    fried.get_by_label("CES-D going").fill("0")
    fried.get_by_label("Weight loss 10 lb").select_option("no")
    # static/js/visit-entry.js ran: the section is scored as the fields change.
    expect(fried.locator(".score-result")).to_contain_text("Score 3 / 5")
    _assert_no_violation(page)

    page.goto(f"/timeline/{patient_a.study_id}/")
    expect(page.locator("svg").first).to_be_visible()
    _assert_no_violation(page)

    page.goto("/api/docs/")
    # Swagger UI started (its start-up script comes from /api/docs/?script=) and read the
    # schema behind the login.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Frailty Registry API")
    expect(page.locator(".opblock").first).to_be_visible()
    _assert_no_violation(page)
