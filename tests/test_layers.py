"""The package's layers point one way: each module imports only from its own layer or lower."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "leaflets"

#: Layers by pipeline stage, lowest first (as in the README's "Code layout").
LAYERS: dict[str, int] = {
    "leaflets": 1,  # the package itself: __version__
    "leaflets.errors": 1,
    "leaflets.files": 1,
    "leaflets.paths": 1,
    "leaflets.content": 2,
    "leaflets.i18n": 3,
    "leaflets.approvals": 4,
    "leaflets.render": 5,
    "leaflets.build": 6,
    "leaflets.lint": 7,
    "leaflets.mail": 7,
    "leaflets.cli": 8,
    "leaflets.web": 8,
    "leaflets.__main__": 9,  # `python -m leaflets` starts the cli
}

#: Who may import the two front ends (besides their own modules): the cli starts the web app.
FRONT_ENDS: dict[str, set[str]] = {
    "leaflets.cli": {"leaflets.__main__"},
    "leaflets.web": {"leaflets.__main__", "leaflets.cli"},
}


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer_of(module: str) -> str | None:
    """The LAYERS key holding a module (the longest that contains it); None outside leaflets."""
    keys = [key for key in LAYERS if _in(module, key)]
    return max(keys, key=len) if keys else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(module: str, is_package: bool, source: str) -> list[tuple[int, str]]:
    """Each leaflets module (or name in one) the source imports, with its line, at any depth."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.split(".") if is_package else module.split(".")[:-1]
                here = here[: len(here) - node.level + 1]
                base = ".".join([*here, base] if base else here)
            # `from leaflets import cli` imports the module leaflets.cli: judge each name.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if _in(name, "leaflets")]


def layer_violations(module: str, is_package: bool, source: str) -> list[str]:
    """What is wrong with the imports of one module, one line each."""
    own = layer_of(module)
    if own is None or (own == "leaflets" and module != "leaflets"):
        return [f"{module} is in no layer: add it to LAYERS here and to the README's code layout"]
    problems = []
    for line, name in imported_modules(module, is_package, source):
        target = layer_of(name)
        assert target is not None
        if LAYERS[target] > LAYERS[own]:
            problems.append(
                f"line {line}: imports {name} (layer {LAYERS[target]}, {target}) "
                f"from layer {LAYERS[own]} ({own})"
            )
        for front, allowed in FRONT_ENDS.items():
            if _in(name, front) and not _in(module, front) and own not in allowed:
                problems.append(f"line {line}: imports {name}; only {sorted(allowed)} may")
    return problems


MODULES = sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE.parent)))
def test_module_imports_only_from_its_layer_or_lower(path: Path) -> None:
    problems = layer_violations(
        module_name(path), path.name == "__init__.py", path.read_text(encoding="utf-8")
    )
    assert not problems, f"{path.relative_to(PACKAGE.parent)}: " + "; ".join(problems)


def test_every_stage_package_is_checked() -> None:
    packages = {module_name(path.parent) for path in PACKAGE.glob("*/__init__.py")}
    assert packages >= {"leaflets.content", "leaflets.i18n", "leaflets.build", "leaflets.cli"}
    assert all(layer_of(name) == name for name in packages), packages


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("leaflets.content.topics", "from leaflets.render.pdf import x", "layer 5"),
        ("leaflets.i18n.languages", "def f():\n    from leaflets.build import cache", "line 2"),
        ("leaflets.render.html", "from ..cli import support", "leaflets.cli.support"),
        ("leaflets.mail.run", "import leaflets.cli", "only"),
        ("leaflets.web", "from leaflets import cli", "only"),
        ("leaflets.stray", "", "no layer"),
    ],
)
def test_a_bad_import_is_reported(module: str, source: str, expected: str) -> None:
    problems = layer_violations(module, module == "leaflets.web", source)
    assert any(expected in problem for problem in problems), problems


def test_allowed_imports_are_not_reported() -> None:
    source = "from leaflets import __version__\nfrom leaflets.web import app\nimport click"
    assert layer_violations("leaflets.cli", True, source) == []
    assert layer_violations("leaflets.__main__", False, "from leaflets.cli import main") == []
