"""The layering rules hold: the core imports nothing above it, layers no web app, the importer neither.

survey file → etl → PostGIS via geoplatform → layers → web: each package may use the ones below it,
never the ones above (``geoplatform/cli.py`` is the command's face and may use them all). Imports
inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "geoplatform": {"etl", "layers", "web"},
    "layers": {"web"},
    "etl": {"web", "layers"},
}
EXEMPT = {Path("geoplatform/cli.py")}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_nothing_from_the_layers_above_it(package: str) -> None:
    offenders = []
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no modules found in {package}/"
    for path in files:
        relative = path.relative_to(ROOT)
        if relative in EXEMPT:
            continue
        wrong = imported_packages(path) & FORBIDDEN[package]
        if wrong:
            offenders.append(f"{relative} imports {', '.join(sorted(wrong))}")
    assert not offenders, "; ".join(offenders)


def test_the_rule_checker_sees_lazy_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from web.app import create_app\n    import etl.load\n")
    assert imported_packages(module) == {"web", "etl"}


def _web_modules_imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("web."):
                names.add(node.module.split(".")[1])
            elif node.module == "web":
                names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("web."))
    return names


def test_web_blueprints_share_a_floor_and_never_import_one_another() -> None:
    blueprints = {path.stem for path in (ROOT / "web").glob("*.py") if "Blueprint(" in path.read_text(encoding="utf-8")}
    assert {"api", "ogcapi", "wfs", "tiles", "downloads", "pages"} <= blueprints
    offenders = []
    for name in sorted(blueprints):
        wrong = _web_modules_imported(ROOT / "web" / f"{name}.py") & (blueprints - {name})
        if wrong:
            offenders.append(f"web/{name}.py imports {', '.join(sorted(wrong))}")
    assert not offenders, "; ".join(offenders)
