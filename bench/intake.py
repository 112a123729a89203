"""Intake on PostgreSQL: Open311 submissions per second beside pgbench writing the same rows
into copies of the same tables, a public tracking page beside /healthz, and open-loop
latency, all in the same run (this machine is noisy: only same-run ratios mean anything).

    .venv/bin/python bench/intake.py [--seconds 10] [--clients 8] [--src DIR]

Builds a fresh PostgreSQL database (the demo councils, no requests), issues an Open311
key, and serves it with ``onecouncil serve`` (gunicorn and the workers, as in production)
with Redis as the shared cache (the production profile). Then:

1. counts the rows one submission writes (every table, before and after 50 submissions);
2. intake against pgbench, A B A B: ``--clients`` clients posting Open311 requests for
   ``--seconds``, then pgbench with as many clients inserting, per transaction, the same
   number of rows into copies of the same tables (``CREATE TABLE ... (LIKE ... INCLUDING
   ALL)``: the same columns, defaults and indexes; no foreign keys), copied from the rows
   the submissions wrote;
3. the public tracking page against /healthz, A B A B, closed loop with ``--clients``;
4. open loop at 25, 50 and 100 submissions a second: each sent at its scheduled moment
   whatever came before, latency counted from that moment (no coordinated omission).

``--src`` serves another checkout's code (``PYTHONPATH``), so a "before" is measured with
the same script and the same machine state: ``--src /path/to/old/src``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gunicorn_server import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qAt"]
REDIS_DB = 13


def psql(db: str, sql: str) -> str:
    return subprocess.run(
        [*PSQL, "-d", db, "-c", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "onecouncil", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def submission(base: str, key: str, n: int) -> tuple[bool, float]:
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
    try:
        with urllib.request.urlopen(
            f"{base}/open311/v2/requests.json", data=body, timeout=60
        ) as answer:
            answer.read()
            ok = answer.status == 201
    except urllib.error.URLError:
        ok = False
    return ok, time.perf_counter() - start


def fetch(url: str) -> tuple[bool, float]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            answer.read()
            ok = answer.status == 200
    except urllib.error.URLError:
        ok = False
    return ok, time.perf_counter() - start


def closed_loop(call, clients: int, seconds: float) -> tuple[float, int]:
    """Requests a second, ``clients`` at a time for ``seconds``; and how many failed."""
    stop = time.perf_counter() + seconds
    counter = iter(range(10**9))
    done: list[int] = []
    failed: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        while time.perf_counter() < stop:
            with lock:
                n = next(counter)
            ok, _took = call(n)
            with lock:
                (done if ok else failed).append(1)

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    return len(done) / (time.perf_counter() - start), len(failed)


def open_loop(call, rate: float, seconds: float) -> tuple[float, float, int]:
    """p50 and p99 (ms) at ``rate`` a second, each counted from its scheduled moment."""
    total = int(rate * seconds)
    start = time.perf_counter() + 0.2
    latencies: list[float] = []
    failed: list[int] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        due = start + n / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        ok, _took = call(n)
        with lock:
            latencies.append(time.perf_counter() - due)
            if not ok:
                failed.append(1)

    with ThreadPoolExecutor(min(256, total)) as pool:
        list(pool.map(one, range(total)))
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies) * 1000, p99 * 1000, len(failed)


def row_counts(db: str) -> dict[str, int]:
    tables = psql(
        db,
        "SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'public' "
        "AND relname NOT LIKE 'bench_%' ORDER BY relname",
    ).split()
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
    return {
        name: int(count) for name, count in (line.split("|") for line in psql(db, sql).splitlines())
    }


def pgbench_script(db: str, per_submission: dict[str, int]) -> str:
    """One transaction inserting, into a copy of each table, as many rows as a submission
    wrote there, copied from the newest rows the submissions made (unique columns made
    unique again)."""
    lines = ["BEGIN;"]
    for table, rows in sorted(per_submission.items()):
        copy = f"bench_{table}"
        psql(db, f'DROP TABLE IF EXISTS "{copy}"')
        psql(db, f'CREATE TABLE "{copy}" (LIKE "{table}" INCLUDING ALL)')
        columns = [
            line.split("|")
            for line in psql(
                db,
                "SELECT attname, format_type(atttypid, atttypmod), (attidentity <> '')::text "
                f"FROM pg_attribute WHERE attrelid = '\"{table}\"'::regclass AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attnum",
            ).splitlines()
        ]
        kinds = {name: kind for name, kind, _identity in columns}
        fresh: set[str] = set()
        # One column of each unique index made unique again: a uuid, else a text column.
        for index in psql(
            db,
            "SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a ON "
            "a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indisunique AND "
            f"NOT i.indisprimary AND i.indrelid = '\"{table}\"'::regclass GROUP BY i.indexrelid",
        ).splitlines():
            names = index.split(",")
            chosen = [n for n in names if kinds[n] == "uuid"] or [
                n for n in names if kinds[n].startswith(("character", "text"))
            ]
            if chosen:
                fresh.add(chosen[0])
        names, values = [], []
        for name, kind, identity in columns:
            if identity == "true":
                continue
            names.append(f'"{name}"')
            if name in fresh and kind == "uuid":
                values.append("gen_random_uuid()")
            elif name in fresh:
                values.append(f'left(md5(random()::text), length("{name}"))')
            else:
                values.append(f'"{name}"')
        lines.append(
            f'INSERT INTO "{copy}" ({", ".join(names)}) SELECT {", ".join(values)} '
            f'FROM "{table}" ORDER BY "{table}".id DESC LIMIT {rows};'
        )
    lines.append("END;")
    return "\n".join(lines) + "\n"


def pgbench(db: str, script: str, clients: int, seconds: float) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    run = subprocess.run(
        [
            "pgbench",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-n",
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(int(seconds)),
            "-f",
            f.name,
            db,
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    os.unlink(f.name)
    if run.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{run.stderr}\n{script}")
    out = run.stdout
    for line in out.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    raise RuntimeError(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--src", default=str(ROOT / "src"), help="the code to serve")
    parser.add_argument("--rates", default="25,50,100")
    args = parser.parse_args()

    db = f"bench_intake_{os.getpid()}"
    subprocess.run([*PSQL, "-c", f"CREATE DATABASE {db}"], check=True)
    var = tempfile.mkdtemp(prefix="bench-intake-")
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], check=True, capture_output=True)
    env = {
        **os.environ,
        "PYTHONPATH": args.src,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "ONECOUNCIL_VAR_DIR": var,
        "DJANGO_SETTINGS_MODULE": "onecouncil.config.settings",
        "SECRET_KEY": "bench-" + "x" * 50,
        "LOG_LEVEL": "WARNING",
    }
    port = free_port()
    env["PORT"] = str(port)
    server = None
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_demo", "--requests", "0")
        key = manage(
            env, "open311_key", "--council", "riverbend", "--name", "Bench", "--rate", "10000000"
        ).splitlines()[-1]
        server = subprocess.Popen(
            [sys.executable, "-m", "onecouncil", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            if fetch(f"{base}/healthz")[0]:
                break
            time.sleep(0.1)
        print(f"serving {args.src} on PostgreSQL with Redis, {args.clients} clients")

        for n in range(20):  # warm every worker's caches
            assert submission(base, key, n)[0], "a warm-up submission failed"
        before = row_counts(db)
        made = 50
        for n in range(made):
            submission(base, key, 1000 + n)
        after = row_counts(db)
        per = {
            t: round((after[t] - before.get(t, 0)) / made)
            for t in after
            if after[t] - before.get(t, 0) >= made / 2
        }
        print("rows each submission wrote:", ", ".join(f"{t} {n}" for t, n in sorted(per.items())))
        script = pgbench_script(db, per)

        print(f"\nintake against pgbench ({args.seconds:.0f} s each, A B A B):")
        ratios = []
        for round_ in (1, 2):
            rate, failed = closed_loop(
                lambda n, r=round_: submission(base, key, 10_000 * r + n),
                args.clients,
                args.seconds,
            )
            tps = pgbench(db, script, args.clients, args.seconds)
            ratios.append(rate / tps)
            print(
                f"  round {round_}: intake {rate:7.1f}/s ({failed} failed)   "
                f"pgbench {tps:7.1f}/s   intake is {100 * rate / tps:5.1f}% of pgbench"
            )

        reference = psql(db, "SELECT reference FROM cases_case ORDER BY id DESC LIMIT 1")
        tracking = f"{base}/riverbend/track/{reference}/"
        fetch(tracking)
        print(f"\ntracking page against /healthz ({args.seconds:.0f} s each, A B A B):")
        for round_ in (1, 2):
            health, _f1 = closed_loop(
                lambda n: fetch(f"{base}/healthz"), args.clients, args.seconds
            )
            page, _f2 = closed_loop(lambda n: fetch(tracking), args.clients, args.seconds)
            print(
                f"  round {round_}: /healthz {health:7.1f}/s   tracking {page:7.1f}/s   "
                f"tracking is {100 * page / health:5.1f}% of /healthz"
            )

        print("\nopen loop (submissions at a fixed rate, latency from the scheduled moment):")
        for rate in [float(r) for r in args.rates.split(",")]:
            p50, p99, failed = open_loop(
                lambda n, r=rate: submission(base, key, 100_000 * int(r) + n), rate, args.seconds
            )
            print(f"  {rate:5.0f}/s: p50 {p50:8.1f} ms   p99 {p99:8.1f} ms   ({failed} failed)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], check=False)


if __name__ == "__main__":
    main()
