"""Open311 throughput: POST requests per second, and GET requests-list latency with a
large database behind it.

    .venv/bin/python bench/open311.py --database sqlite --rows 100000
    .venv/bin/python bench/open311.py --database postgres --rows 100000

Builds a fresh database (demo councils plus ``--rows`` requests, as bench/backoffice.py
does), issues an API key, serves it with gunicorn on loopback and measures over HTTP.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backoffice import fill, setup, teardown
from gunicorn_server import gunicorn

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"


def post(base: str, key: str, n: int) -> float:
    body = urllib.parse.urlencode(
        {
            "jurisdiction_id": "riverbend",
            "api_key": key,
            "service_code": "missed-bin",
            "attribute[which_bin]": "general",
            "attribute[out_by_7am]": "yes",
            "lat": "52.4862",
            "long": "-1.8904",
            "first_name": "Bench",
            "last_name": str(n),
            "email": f"bench{n}@example.com",
            "description": "Benchmark request",
        }
    ).encode()
    start = time.perf_counter()
    with urllib.request.urlopen(f"{base}/open311/v2/requests.json", data=body, timeout=30) as r:
        assert r.status == 201, r.status
        r.read()
    return time.perf_counter() - start


def get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        r.read()
    return time.perf_counter() - start


def summary(times: list[float]) -> str:
    times = sorted(times)
    return (
        f"p50 {1000 * statistics.median(times):.0f} ms, "
        f"p95 {1000 * times[int(0.95 * (len(times) - 1))]:.0f} ms"
    )


def measure(base: str, key: str, args: argparse.Namespace) -> None:
    print(
        f"OneCouncil Open311 benchmark: {args.database}, {args.rows:,} requests stored, "
        f"gunicorn 2 workers x 4 threads, {os.cpu_count()} CPUs"
    )
    post(base, key, 0)
    with ThreadPoolExecutor(args.concurrency) as pool:
        start = time.perf_counter()
        times = list(pool.map(lambda n: post(base, key, n), range(1, args.posts + 1)))
        elapsed = time.perf_counter() - start
    print(
        f"POST requests.json: {args.posts} in {elapsed:.1f}s = "
        f"{args.posts / elapsed:.1f} requests/s, {summary(times)} "
        f"(concurrency {args.concurrency})"
    )
    for label, query in (
        ("GET requests.json (last 90 days, first 1,000)", ""),
        (
            "GET requests.json?status=open&service_code=pothole",
            "&status=open&service_code=pothole",
        ),
        ("GET requests.xml (last 90 days, first 1,000)", ""),
    ):
        fmt = "xml" if ".xml" in label else "json"
        url = f"{base}/open311/v2/requests.{fmt}?jurisdiction_id=riverbend{query}"
        get(url)
        times = [get(url) for _ in range(args.gets)]
        print(f"{label}: {summary(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--gets", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        dbname = setup(args.database, var)
        try:
            from django.core.management import call_command

            from onecouncil.api.keys import api_key_issue
            from onecouncil.core.models import Council

            call_command("migrate", verbosity=0)
            with open(os.devnull, "w") as quiet:
                call_command("load_demo", requests=0, stdout=quiet)
            fill(args.rows)
            key = api_key_issue(
                council=Council.objects.get(slug="riverbend"),
                name="Bench",
                rate_limit_per_minute=10_000_000,
            ).key
            from django.db import connections

            connections.close_all()
            env = {
                **os.environ,
                "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "ALLOWED_HOSTS": "127.0.0.1",
            }
            with gunicorn(env) as base:
                measure(base, key, args)
        finally:
            teardown(dbname)


if __name__ == "__main__":
    main()
