"""The registry's layout: core stands under every app, and the studies wing depends on
the rest of the registry one way only, through public names.

Read from the source (ast), so a lazy import inside a function counts as much as one at
the top of a module.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("registry", "assessments", "biomarkers", "longitudinal")


def _imports(path: Path):
    """(module, name) for every import in a file; name is None for `import x`."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield from ((node.module, alias.name) for alias in node.names)


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _sources(package: str):
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", _sources("core"), ids=_name)
def test_core_imports_no_app(path):
    found = [m for m, _ in _imports(path) if m.split(".")[0] in APPS]
    assert found == [], f"{_name(path)} imports {found}"


@pytest.mark.parametrize("path", _sources("registry/studies"), ids=_name)
def test_the_studies_wing_does_not_import_registry_services_or_views(path):
    # registry.services calls the studies' visit schedule check, so the reverse would
    # be a cycle; pages share helpers through core, not through registry.views.
    found = [m for m, _ in _imports(path) if m in ("registry.services", "registry.views")]
    if path.name == "demo.py":  # the demo script relabels visits through registry.services
        found = [m for m in found if m != "registry.services"]
    assert found == [], f"{_name(path)} imports {found}"


@pytest.mark.parametrize("path", _sources("registry") + _sources("core"), ids=_name)
def test_no_private_name_is_imported_from_another_module(path):
    private = [f"{m}.{n}" for m, n in _imports(path) if n and n.startswith("_")]
    assert private == [], f"{_name(path)} imports {private}"
