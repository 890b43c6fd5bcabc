"""Every route of the URL matrix, as every member of the cast: the Content-Security-Policy
and `Cache-Control: no-store` are on each answer, and no HTML page holds inline script,
inline style or an event-handler attribute (which the policy would block)."""

from html.parser import HTMLParser

import pytest

from tests.test_url_matrix import MATRIX, _path_kwargs, cast_clients  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
# The pages checked are the ones each route shows to someone; /api/docs/ is among them.
ACTORS = ("a", "coord", "lab", "anon")
# GET routes that answer JSON, CSV, YAML or a file, never an HTML page.
NOT_HTML = {name for name, (_, path, _) in MATRIX.items() if path.startswith("/api/")} - {
    "api-docs"
}


class _InlineFinder(HTMLParser):
    """Collects what a strict policy refuses: <script> without src, <style>, style="..."
    and on*="..." attributes, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name == "style":
                self.found.append(f"style= on <{tag}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: URL on <{tag}>")


def inline_code(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    return finder.found


def _policy(header: str) -> dict:
    parts = (d.strip().split(" ", 1) for d in header.split(";") if d.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def test_the_finder_sees_what_the_policy_blocks():
    html = (
        '<script>alert(1)</script><script src="/static/js/a.js"></script><style>p{}</style>'
        '<p style="color:red" onclick="x()"><a href="javascript:x()">x</a></p>'
    )
    assert inline_code(html) == [
        "<script> without src", "<style> element", "style= on <p>", "onclick= on <p>",
        "javascript: URL on <a>",
    ]


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_every_answer_carries_the_headers_and_pages_no_inline_code(
    cast_clients, patient_a, route  # noqa: F811 - the fixture imported above
):
    method, template, _ = MATRIX[route]
    path = template.format(**_path_kwargs(patient_a))
    pages = 0
    for actor in ACTORS:
        client, headers = cast_clients(actor)
        response = getattr(client, method)(path, **headers)
        where = f"{actor} {method.upper()} {path} -> {response.status_code}"
        assert "no-store" in response.get("Cache-Control", ""), where
        assert _policy(response.get("Content-Security-Policy", "")) == POLICY, where
        if response["Content-Type"].startswith("text/html") and not response.streaming:
            pages += 1
            assert inline_code(response.content.decode()) == [], where
    if method == "get" and route not in NOT_HTML:
        assert pages, f"{route}: no actor got an HTML page to check"


def test_the_api_docs_script_is_served_from_its_own_url(client, clinician_a):
    client.force_login(clinician_a)
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")
    assert inline_code(page.content.decode()) == []
    assert b'src="/api/docs/?script=' in page.content
    assert script.status_code == 200 and script["Content-Type"].startswith(
        "application/javascript"
    )
    assert b"SwaggerUIBundle" in script.content
