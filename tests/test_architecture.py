"""The floors of the house (docs/architecture.md): imports point down only.

    longitudinal → assessments, biomarkers → registry → core

`core` imports no app; no app imports a higher one; pure domain modules import no Django;
no import cycle but a service and the Celery task that calls it back; tooling
(`synthetic/`, `bench/`) stands above the apps and only a management command may call it.
Read from the source with `ast` (nothing is imported), so a violation fails the suite
whether or not the offending line runs, function-level imports included.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each app and the apps it may import (besides itself and core).
FLOORS = {
    "core": set(),
    "registry": {"core"},
    "assessments": {"core", "registry"},
    "biomarkers": {"core", "registry"},
    "longitudinal": {"core", "registry", "assessments", "biomarkers"},
}
# Modules that hold domain logic with no database: they import no Django (nor DRF) and,
# from the project, only other pure modules.
PURE = [
    "assessments/scoring",
    "biomarkers/parsing",
    "biomarkers/catalogue.py",
    "biomarkers/units.py",
    "registry/studies/schedule.py",
    "longitudinal/charts.py",
    "longitudinal/stats.py",
    "core/dates.py",
    "core/numbers.py",
    "core/jsonlimits.py",
]
PURE_NAMES = tuple(p.removesuffix(".py").replace("/", ".") for p in PURE)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from core import jsonlimits` imports the module core.jsonlimits
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _imported_names(path: Path):
    """(module, name) of every `from module import name` in a file."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield from ((node.module, alias.name) for alias in node.names)


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


TOOLING = ("synthetic", "bench", "tests")


@pytest.mark.parametrize("app", sorted(FLOORS))
def test_no_private_name_is_imported_from_another_module(app):
    # What a module shares it names publicly; a leading underscore means "mine only".
    wrong = {
        f"{path.relative_to(ROOT)} imports {module}.{name}"
        for path in _modules(app)
        for module, name in _imported_names(path)
        if name.startswith("_") and module.split(".")[0] in FLOORS
    }
    assert wrong == set()


def test_the_studies_wing_does_not_import_registry_services_or_views():
    # registry.services calls the studies' visit schedule check, so the reverse would be
    # a cycle; pages share helpers through core, not through registry.views. (The demo
    # script relabels visits through registry.services.)
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules("registry/studies")
        if path.name != "demo.py"
        for name in _imports(path)
        if name.startswith(("registry.services", "registry.views"))
    }
    assert wrong == set()


@pytest.mark.parametrize("app", sorted(FLOORS))
def test_only_a_management_command_calls_the_tooling_above_the_apps(app):
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(app)
        if "management" not in path.parts
        for name in _imports(path)
        if name.split(".")[0] in TOOLING
    }
    assert wrong == set()


@pytest.mark.parametrize("app", sorted(FLOORS))
def test_an_app_imports_only_the_floors_below_it(app):
    higher = set(FLOORS) - FLOORS[app] - {app}
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(app)
        for name in _imports(path)
        if name.split(".")[0] in higher
    }
    assert wrong == set()


def _is_pure(name: str) -> bool:
    return any(name == pure or name.startswith(pure + ".") for pure in PURE_NAMES)


@pytest.mark.parametrize("place", PURE)
def test_pure_domain_modules_import_no_django(place):
    target = ROOT / place
    paths = sorted(target.rglob("*.py")) if target.is_dir() else [target]
    project = ("django", "rest_framework", *FLOORS)
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in _imports(path)
        if name.split(".")[0] in project and not _is_pure(name)
        # `from core import numbers` is checked by its full name, core.numbers
        and name not in FLOORS
    }
    assert wrong == set()


# --- No import cycles -------------------------------------------------------------------
#
# The one cycle allowed: a service that queues a Celery task and the task module that
# calls the service back (the task import sits inside the service function).
APPS = tuple(FLOORS)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for app in APPS for p in _modules(app)}
    graph = {}
    for name, path in paths.items():
        targets = set()
        for imported in _imports(path):
            # `from registry.models import Patient` names registry.models.Patient: keep
            # the longest prefix that is one of our modules.
            parts = imported.split(".")
            for end in range(len(parts), 0, -1):
                candidate = ".".join(parts[:end])
                if candidate in paths:
                    targets.add(candidate)
                    break
        graph[name] = targets - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
            elif child not in index:
                index[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def _service_and_its_task(component: set[str]) -> bool:
    tasks = {m for m in component if m.endswith(".tasks")}
    return len(tasks) == 1 and all(
        m in tasks or ".services" in m or m.endswith("_services") for m in component
    )


def test_no_import_cycle_but_a_service_and_its_task():
    cycles = [sorted(c) for c in _cycles(_graph()) if not _service_and_its_task(c)]
    assert cycles == []


# --- Module size ------------------------------------------------------------------------

MAX_LINES = 600
# Data tables, not code: the analyte catalogue is one entry per analyte.
DATA_TABLES = {"biomarkers/catalogue.py"}


def test_no_code_module_is_over_600_lines():
    places = [*FLOORS, *TOOLING, "config"]
    long = {
        f"{path.relative_to(ROOT)}: {lines} lines"
        for place in places
        for path in _modules(place)
        if str(path.relative_to(ROOT)) not in DATA_TABLES
        and (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == set()
