"""Requests sent on to another system, and their status brought back.

    .venv/bin/python bench/sendon.py --requests 200 --changes 20

Starts a second OneCouncil server as the back end (its own SQLite database, gunicorn
with 2 workers on a free port), builds this side's database (the demo councils, with
Riverbend's pothole service sent on to the back end by Open311), then:

- makes ``--requests`` requests through ``case_create`` and times the worker's
  ``sendings_process`` sending them all: requests sent on per second;
- ``--changes`` times over, changes one request's status on the back end (through its
  REST API, as a crew's app would), runs the poll at once and reads the resident's
  tracking page until it shows the new status: the delay from the change to our page,
  p50 and p95. The poll interval (``Backend.poll_minutes``, 1 to 1,440) adds up to that
  much on top; a back end that pushes its updates to us skips it.

Prints the figures; record them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backoffice import setup

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BACK_END_SETUP = """
import json
from onecouncil.api.keys import api_key_issue
from onecouncil.catalogue.models import Service, ServiceGroup
from onecouncil.core.models import Council, Team
county = Council.objects.create(slug="county", name="County Highways", reference_prefix="KCH",
                                public_base_url="http://127.0.0.1:{port}/county")
group = ServiceGroup.objects.create(council=county, name="Roads", slug="roads")
team = Team.objects.create(council=county, name="Highways", slug="highways")
Service.objects.create(council=county, code="defect", name="Road defect", group=group,
                       team=team, pattern="report", description="A defect in the road",
                       visibility="public", anonymous_allowed=True)
open311 = api_key_issue(council=county, name="Riverbend", rate_limit_per_minute=100000).key
rest = api_key_issue(council=county, name="Crew app", kind="rest", role="service_manager",
                     rate_limit_per_minute=100000).key
print(json.dumps({{"key": open311, "rest": rest}}))
"""


def _back_end(var: Path) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(ONECOUNCIL_VAR_DIR=str(var), LOG_LEVEL="WARNING", ALLOWED_HOSTS="127.0.0.1")
    subprocess.run([str(BIN / "onecouncil"), "migrate", "-v0"], env=env, check=True)
    made = subprocess.run(
        [str(BIN / "onecouncil"), "shell", "-c", BACK_END_SETUP.format(port=port)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    keys = json.loads(made.stdout.strip().splitlines()[-1])
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "onecouncil.config.wsgi:application",
            *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import urllib.request

    for _n in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    return process, f"http://127.0.0.1:{port}/open311/v2/", keys


def _change(base_url: str, rest_key: str, reference: str) -> None:
    """The county's crew app moves the request on, through the county's REST API."""
    import urllib.request

    root = base_url.removesuffix("open311/v2/")
    request = urllib.request.Request(
        f"{root}api/v1/requests/{reference}/status",
        data=json.dumps({"status": "in_progress"}).encode(),
        headers={"Authorization": f"Bearer {rest_key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200, answer.status


def run(args: argparse.Namespace, back_end_var: Path) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from onecouncil.cases.actions import case_create
    from onecouncil.cases.inputs import Contact, Location, NewRequest
    from onecouncil.catalogue.models import Backend, Service
    from onecouncil.core.models import Council
    from onecouncil.sendon.models import Sending, SendingStatus
    from onecouncil.sendon.services import backend_poll, sendings_process

    settings.EGRESS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", requests=0, stdout=quiet)
    process, base_url, keys = _back_end(back_end_var)
    try:
        council = Council.objects.get(slug="riverbend")
        backend = Backend.objects.create(
            council=council,
            name="County",
            base_url=base_url,
            jurisdiction_id="county",
            api_key=keys["key"],
            format="json",
        )
        pothole = Service.objects.get(council=council, code="pothole")
        Service.objects.filter(pk=pothole.pk).update(sent_to=backend, sent_to_code="defect")
        pothole.refresh_from_db()
        answers = {q.code: q.options[0]["value"] for q in pothole.questions.all() if q.options}
        references = []
        for n in range(args.requests):
            references.append(
                case_create(
                    council=council,
                    request=NewRequest(
                        service=pothole,
                        answers=answers,
                        location=Location(latitude=52.4862, longitude=-1.8904),
                        contact=Contact(name=f"Resident {n}", email=f"r{n}@example.com"),
                        channel="web",
                        submission_key=uuid.uuid4(),
                    ),
                ).case.reference
            )
        start = time.perf_counter()
        while Sending.objects.exclude(status=SendingStatus.SENT).exists():
            if not sendings_process(limit=1000):
                break
        elapsed = time.perf_counter() - start
        sent = Sending.objects.filter(status=SendingStatus.SENT).count()
        print(
            f"OneCouncil sending-on benchmark: SQLite both sides, Python "
            f"{sys.version.split()[0]}, {os.cpu_count()} CPUs"
        )
        print(f"sent on {sent} of {args.requests} in {elapsed:.1f}s: {sent / elapsed:.1f}/s")
        client = Client()
        delays = []
        for reference in references[: args.changes]:
            external = Sending.objects.get(case__reference=reference).external_id
            changed_at = time.perf_counter()
            _change(base_url, keys["rest"], external)
            backend_poll(backend)
            while "In progress" not in client.get(f"/riverbend/track/{reference}/").text:
                backend_poll(backend)
            delays.append(time.perf_counter() - changed_at)
        delays.sort()
        print(
            f"back-end change to tracking page (poll run at once), {len(delays)} changes: "
            f"p50 {statistics.median(delays) * 1000:.0f} ms, "
            f"p95 {delays[int(0.95 * (len(delays) - 1))] * 1000:.0f} ms "
            "(the county's REST call, our poll, our page; plus up to the poll interval)"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var, tempfile.TemporaryDirectory() as back:
        setup("sqlite", var)
        run(args, Path(back))


if __name__ == "__main__":
    main()
