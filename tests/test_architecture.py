"""The one front for cases, enforced: nothing outside ``cases`` reaches the case tables
except through its access module and its writer, and every ``type: ignore`` says why."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "onecouncil"
ROOT = Path(__file__).resolve().parents[1]


def _models_of_cases() -> set[str]:
    """Every model class in ``cases/models/`` (those whose bases are Django models)."""
    bases = {"Model", "CouncilOwned"}
    found: set[str] = set()
    for path in sorted((SRC / "cases" / "models").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                names = {getattr(b, "attr", getattr(b, "id", "")) for b in node.bases}
                if names & (bases | found):
                    found.add(node.name)
    return found


GUARDED_MODELS = _models_of_cases()
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


def test_every_model_of_cases_is_guarded():
    assert {
        "Case",
        "CaseEvent",
        "Follower",
        "Photo",
        "ClosureReason",
        "RoutingRule",
        "ResponseTemplate",
        "ChangeReport",
    } <= GUARDED_MODELS


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


def test_every_app_is_in_the_architecture_maps_layer_table():
    """docs/architecture.md's layer table names every app, so a newcomer finds it."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    apps = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists())
    missing = [app for app in apps if f"`{app}`" not in table]
    assert missing == [], missing


CONTRACT_PROBES = {
    "Outside cases, reads come through the access package, never its modules": (
        "frontdoor",
        "from onecouncil.cases.access.staff import cases_for_staff\n",
    ),
    "Outside cases, writes come through the actions package, never its modules": (
        "alerts",
        "from onecouncil.cases.actions.create import case_create\n",
    ),
    "Only the writer appends events": (
        "sendon",
        "from onecouncil.cases.events import event_append\n",
    ),
    "The read side of cases never imports the writer": (
        "cases/access",
        "from onecouncil.cases.actions import case_assign\n",
    ),
    "Layers: interfaces over domain over base over core": (
        "cases",
        "from onecouncil.sendon.models import Sending\n",
    ),
}


def test_each_import_contract_catches_what_it_is_for():
    """A probe module breaking each contract makes ``lint-imports`` fail on that contract
    (and only the probes are written: they are removed whatever happens)."""
    import subprocess
    import sys

    probes = []
    try:
        for n, (where, line) in enumerate(CONTRACT_PROBES.values()):
            probe = SRC / where / f"_contract_probe_{n}.py"
            probe.write_text(line)
            probes.append(probe)
        run = subprocess.run(
            [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        for probe in probes:
            probe.unlink(missing_ok=True)
    assert run.returncode != 0
    for contract in CONTRACT_PROBES:
        assert f"{contract} BROKEN" in run.stdout, run.stdout
