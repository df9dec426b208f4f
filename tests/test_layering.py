# SPDX-License-Identifier: AGPL-3.0-or-later
"""The science layer never imports Django or the web apps (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import nervepath

SCIENCE = Path(nervepath.__file__).parent / "science"
WEB = ("django", "ninja", "django_tasks", "django_tasks_db", "django_htmx")
WEB_APPS = ("config", "accounts", "site", "scheduling", "api", "cli")


def forbidden_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            top = name.split(".")
            if top[0] in WEB or (top[0] == "nervepath" and len(top) > 1 and top[1] in WEB_APPS):
                found.append(name)
    return found


def test_the_checker_catches_django_and_web_app_imports():
    assert forbidden_imports("import django.db\nfrom nervepath.scheduling import models") == [
        "django.db",
        "nervepath.scheduling",
    ]
    assert forbidden_imports("import numpy\nfrom nervepath.science import x") == []


def test_no_science_module_imports_django_or_a_web_app():
    files = sorted(SCIENCE.rglob("*.py"))
    assert files, "the science package exists"
    offenders = {
        str(path.relative_to(SCIENCE)): bad
        for path in files
        if (bad := forbidden_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
