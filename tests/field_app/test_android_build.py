"""What buildozer is given for the Android build: the permissions the app's features need,
and a requirement for every package the app's code imports."""

from __future__ import annotations

import ast
import configparser
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DISTRIBUTIONS = {"fontTools": "fonttools", "PIL": "pillow", "zxingcpp": "zxing-cpp"}
"""Import names whose package is named otherwise."""

OPTIONAL = {"zxingcpp", "PIL"}
"""Imported only where present (`enrolment_card`: without them the card is typed in)."""


def spec() -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "buildozer.spec", encoding="utf-8")
    return parser["app"]


def listed(value: str) -> set[str]:
    return {item.strip().split("==")[0] for item in value.split(",") if item.strip()}


def third_party_imports() -> set[str]:
    """Top-level modules imported by the app and the sync core, outside the standard
    library and the project."""
    found: set[str] = set()
    for folder in ("field_app", "sync"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    own = {"field_app", "sync", "__future__"}
    return {name for name in found - own if name not in sys.stdlib_module_names}


def test_the_permissions_cover_sync_camera_location_and_pictures() -> None:
    permissions = listed(spec()["android.permissions"])
    assert {"INTERNET", "CAMERA", "ACCESS_FINE_LOCATION", "READ_MEDIA_IMAGES"} <= permissions


def test_every_package_the_app_imports_is_a_requirement() -> None:
    requirements = listed(spec()["requirements"])
    needed = {DISTRIBUTIONS.get(name, name) for name in third_party_imports() - OPTIONAL}
    assert needed <= requirements, needed - requirements


def test_the_entry_point_python_for_android_starts_runs_the_app() -> None:
    entry = ast.parse((ROOT / "main.py").read_text(encoding="utf-8"))
    imported = {(node.module, alias.name) for node in ast.walk(entry)
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert ("field_app.__main__", "main") in imported


def test_the_layouts_are_packaged_with_the_code() -> None:
    assert {"py", "kv"} <= listed(spec()["source.include_exts"])
