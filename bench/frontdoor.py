"""Front-door throughput: complete web submissions per second and tracking pages per second.

Against a server you already run:
    .venv/bin/python bench/frontdoor.py --url http://127.0.0.1:8000 --council riverbend

Or let the script start one (gunicorn, the demo catalogue, a fresh database):
    .venv/bin/python bench/frontdoor.py --start sqlite
    .venv/bin/python bench/frontdoor.py --start postgres

A submission is the whole journey a resident makes without JavaScript: questions,
place, photos (none), contact details, check and send (7 HTTP requests). Prints the
figures; record them in docs/benchmarks.md. Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gunicorn_server import gunicorn

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"


class Resident:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return str(response.read().decode())

    def post(self, path: str, data: dict[str, str]) -> str:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=30) as response:
            return str(response.read().decode())


def submit(base: str, n: int) -> str:
    resident = Resident(base)
    journey = "/report/missed-bin"
    resident.get(f"{journey}/questions/")
    resident.post(
        f"{journey}/questions/", {"answer-which_bin": "general", "answer-out_by_7am": "yes"}
    )
    resident.post(
        f"{journey}/location/",
        {"action": "continue", "street": "Mill Lane", "description": f"Outside number {n}"},
    )
    resident.post(f"{journey}/photos/", {"action": "continue"})
    check = resident.post(
        f"{journey}/contact/", {"name": f"Bench Resident {n}", "email": f"bench{n}@example.com"}
    )
    key = re.search(r'name="submission_key" value="([^"]+)"', check)
    assert key, "the check page has no submission key"
    done = resident.post(f"{journey}/check/", {"submission_key": key.group(1)})
    reference = re.search(r'id="reference">([^<]+)<', done)
    assert reference, "no reference on the confirmation page"
    return reference.group(1).strip()


def timed(function, *args) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def run(base: str, submissions: int, reads: int, concurrency: int) -> None:
    with ThreadPoolExecutor(concurrency) as pool:
        submit(base, 0)  # warm up
        start = time.perf_counter()
        references = list(pool.map(lambda n: submit(base, n), range(1, submissions + 1)))
        elapsed = time.perf_counter() - start
        print(
            f"submissions: {submissions} complete journeys in {elapsed:.2f}s = "
            f"{submissions / elapsed:.1f} submissions/s ({7 * submissions / elapsed:.0f} "
            f"HTTP requests/s), concurrency {concurrency}"
        )

        start = time.perf_counter()
        latencies = list(
            pool.map(
                lambda i: timed(
                    lambda: urllib.request.urlopen(
                        f"{base}/track/{references[i % len(references)]}/", timeout=30
                    ).read()
                ),
                range(reads),
            )
        )
        elapsed = time.perf_counter() - start
        latencies.sort()
        print(
            f"tracking page: {reads} requests in {elapsed:.2f}s = {reads / elapsed:.0f} "
            f"requests/s; latency p50 {1000 * statistics.median(latencies):.1f} ms, "
            f"p95 {1000 * latencies[int(0.95 * len(latencies))]:.1f} ms"
        )


@contextlib.contextmanager
def started(database: str, workers: int) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as var:
        env = {
            **os.environ,
            "ONECOUNCIL_VAR_DIR": var,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
        dbname = None
        if database == "postgres":
            dbname = f"bench_onecouncil_{os.getpid()}"
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {dbname}"],
                check=True,
            )
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{dbname}"
        try:
            subprocess.run([BIN / "onecouncil", "migrate", "-v0"], env=env, check=True)
            subprocess.run(
                [BIN / "onecouncil", "load_demo", "--requests", "0"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            with gunicorn(env, workers) as base:
                yield base
        finally:
            if dbname:
                subprocess.run(
                    [
                        "psql",
                        "-h",
                        "127.0.0.1",
                        "-U",
                        "postgres",
                        "-qc",
                        f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)",
                    ],
                    check=False,
                )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="A running server, for example http://127.0.0.1:8000")
    parser.add_argument(
        "--start",
        choices=["sqlite", "postgres"],
        help="Start a server on a fresh database instead.",
    )
    parser.add_argument("--council", default="riverbend")
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers with --start")
    args = parser.parse_args()
    if bool(args.url) == bool(args.start):
        parser.error("give either --url or --start")
    print(
        f"OneCouncil front-door benchmark, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    if args.url:
        run(
            f"{args.url.rstrip('/')}/{args.council}", args.submissions, args.reads, args.concurrency
        )
        return
    with started(args.start, args.workers) as base:
        print(f"database: {args.start}; gunicorn {args.workers} workers x 4 threads")
        run(f"{base}/{args.council}", args.submissions, args.reads, args.concurrency)


if __name__ == "__main__":
    main()
