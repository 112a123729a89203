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


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner = node.value
            if node.attr in MANAGERS and isinstance(owner, ast.Name) and owner.id in GUARDED_MODELS:
                found.append(f"{owner.id}.{node.attr}")
            elif node.attr in REVERSE_RELATIONS and not (
                isinstance(owner, ast.Name) and owner.id in {"self", "cls", "settings", "os"}
            ):
                found.append(f".{node.attr}")
            elif node.attr == "get_model":
                found.append("apps.get_model")
    return [f"{path.relative_to(SRC)}:{item}" for item in found]


def test_nothing_outside_cases_uses_the_case_tables_directly():
    offences = [o for path in _outside_cases() for o in _offences(path)]
    assert offences == [], "\n".join(offences)


def test_the_checker_catches_what_it_is_for(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "Case.objects.filter(pk=1)\nCaseEvent._default_manager.all()\n"
        "case.followers.all()\nservice.cases.count()\napps.get_model('cases', 'Case')\n"
    )
    found = [o.split(":", 1)[1] for o in _offences_for(bad)]
    assert found == [
        "Case.objects",
        "CaseEvent._default_manager",
        ".followers",
        ".cases",
        "apps.get_model",
    ]


def _offences_for(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner = node.value
            if node.attr in MANAGERS and isinstance(owner, ast.Name) and owner.id in GUARDED_MODELS:
                found.append(f"x:{owner.id}.{node.attr}")
            elif node.attr in REVERSE_RELATIONS:
                found.append(f"x:.{node.attr}")
            elif node.attr == "get_model":
                found.append("x:apps.get_model")
    # ast.walk is breadth-first: report in source order.
    return sorted(found, key=lambda o: _line_of(path, o.split(":", 1)[1]))


def _line_of(path: Path, needle: str) -> int:
    text = needle.lstrip(".").split(".")[0]
    for number, line in enumerate(path.read_text().splitlines()):
        if text in line:
            return number
    return -1


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
