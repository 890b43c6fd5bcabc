"""One mechanism everywhere: every POST form renders a token, every view that takes a
POST records it once. A new form or view fails here until it is wired like the others."""

import inspect
import re
from pathlib import Path

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PROJECT_APPS = ("core", "registry", "assessments", "biomarkers", "longitudinal", "quality")
POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
# The signs that a function-based view handles a POST.
HANDLES_POST = ("request.POST", "require_POST", 'request.method == "POST"')


def _post_forms():
    for template in sorted(TEMPLATES.rglob("*.html")):
        for number, body in enumerate(POST_FORM.findall(template.read_text())):
            yield f"{template.relative_to(TEMPLATES)} form {number + 1}", body


def _views(resolver=None):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry)
        elif isinstance(entry, URLPattern):
            yield entry.callback


def _project_html_views():
    for view in _views():
        module = getattr(view, "__module__", "")
        api = hasattr(view, "cls") or hasattr(view, "view_class")  # DRF and class views
        if module.split(".")[0] in PROJECT_APPS and not api:
            yield view


def test_the_search_finds_the_forms_and_views():
    assert len(list(_post_forms())) >= 15
    assert any(v.__name__ == "panel_entry" for v in _project_html_views())


def test_every_post_form_renders_a_form_token():
    missing = [name for name, body in _post_forms() if "{% form_token %}" not in body]
    assert missing == [], "put {% form_token %} next to {% csrf_token %}"


def test_every_view_that_takes_a_post_records_it_once():
    unguarded = sorted(
        f"{view.__module__}.{view.__name__}"
        for view in _project_html_views()
        if any(sign in inspect.getsource(inspect.unwrap(view)) for sign in HANDLES_POST)
        and not getattr(view, "idempotent_form", False)
    )
    assert unguarded == [], "decorate these views with @idempotent_form"
