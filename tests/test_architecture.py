"""The one front for cases, enforced: nothing outside ``cases`` reaches the case tables
except through its access module and its writer, and every ``type: ignore`` says why."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "onecouncil"
ROOT = Path(__file__).resolve().parents[1]
GUARDED_MODELS = {"Case", "CaseEvent", "Follower", "Photo"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
REVERSE_RELATIONS = {"cases", "events", "followers", "photos"}


def _outside_cases() -> list[Path]:
    return [
        path
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and path.parts[len(SRC.parts)] != "cases"
    ]


def _offences_in(source: str) -> list[str]:
    """Uses of the case tables' managers or reverse relations, in source order."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        if node.attr in MANAGERS and isinstance(owner, ast.Name) and owner.id in GUARDED_MODELS:
            found.append((node.lineno, node.col_offset, f"{owner.id}.{node.attr}"))
        elif node.attr in REVERSE_RELATIONS and not (
            isinstance(owner, ast.Name) and owner.id in {"self", "cls", "settings", "os"}
        ):
            found.append((node.lineno, node.col_offset, f".{node.attr}"))
        elif node.attr == "get_model":
            found.append((node.lineno, node.col_offset, "apps.get_model"))
    return [item for _line, _col, item in sorted(found)]


def test_nothing_outside_cases_uses_the_case_tables_directly():
    offences = [
        f"{path.relative_to(SRC)}:{item}"
        for path in _outside_cases()
        for item in _offences_in(path.read_text())
    ]
    assert offences == [], "\n".join(offences)


def test_the_checker_catches_what_it_is_for():
    source = (
        "Case.objects.filter(pk=1)\nCaseEvent._default_manager.all()\n"
        "case.followers.all()\nservice.cases.count()\napps.get_model('cases', 'Case')\n"
        "self.events = []\n"
    )
    assert _offences_in(source) == [
        "Case.objects",
        "CaseEvent._default_manager",
        ".followers",
        ".cases",
        "apps.get_model",
    ]


def test_every_type_ignore_names_its_code_and_reason():
    pattern = re.compile(r"#\s*type:\s*ignore(\[[a-z-, ]+\])?(.*)$")
    missing = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = pattern.search(line)
            if match and (not match.group(1) or not match.group(2).strip()):
                missing.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert missing == [], "\n".join(missing)


def test_the_tests_read_nothing_outside_the_repository():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != "test_architecture.py"
        and ("parents[3]" in path.read_text() or '"shared"' in path.read_text())
    ]
    assert offenders == []


def test_no_template_line_is_over_200_characters():
    """Templates stay readable and reviewable: split long lines between tags or attributes
    (and use ``blocktranslate trimmed`` for long sentences)."""
    src = Path(__file__).resolve().parents[1] / "src"
    long_lines = [
        f"{path.relative_to(src)}:{number}"
        for path in sorted(src.rglob("templates/**/*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if len(line) > 200
    ]
    assert not long_lines, long_lines
