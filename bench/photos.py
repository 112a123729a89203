"""Memory of photo decoding under concurrent uploads, beside /healthz in the same run.

Starts gunicorn (2 workers, 4 threads, as `onecouncil serve` does) on a fresh SQLite
database with the demo catalogue, then sends eight photos at once, each a PNG just under
the 25-megapixel cap that compresses to about 100 KB (the shape of the attack real use
found), through Open311 (`photo1`, as FixMyStreet sends). Prints the workers' peak
resident memory and /healthz latency while the uploads run, beside /healthz alone.

    .venv/bin/python bench/photos.py [--uploads 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gunicorn_server import gunicorn

BIN = Path(__file__).resolve().parents[1] / ".venv" / "bin"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (5000, 4990), (200, 200, 200)).save(out, "PNG", optimize=True)
    return out.getvalue()


def _multipart(fields: dict[str, str], photo: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo1"; filename="p.png"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + photo
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _rss_of_children(parent: int) -> int:
    """Resident memory (bytes) of gunicorn's workers, the children of ``parent``."""
    total = 0
    for pid in subprocess.run(
        ["pgrep", "-P", str(parent)], capture_output=True, text=True, check=False
    ).stdout.split():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def _healthz(base: str, n: int) -> list[float]:
    latencies = []
    for _ in range(n):
        start = time.perf_counter()
        urllib.request.urlopen(f"{base}/healthz", timeout=60).read()
        latencies.append(time.perf_counter() - start)
        time.sleep(0.05)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    photo = _png()
    with tempfile.TemporaryDirectory() as var:
        env = {**os.environ, "ONECOUNCIL_VAR_DIR": var, "LOG_LEVEL": "WARNING"}
        subprocess.run([BIN / "onecouncil", "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [BIN / "onecouncil", "load_demo", "--requests", "0"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        key = subprocess.run(
            [BIN / "onecouncil", "open311_key", "--council", "riverbend", "--name", "Bench"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        with gunicorn(env, 2) as base:
            master = int(
                subprocess.run(
                    ["pgrep", "-f", f"gunicorn.*{base.rsplit(':', 1)[1]}", "-o"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()[0]
            )
            alone = _healthz(base, 20)
            idle = _rss_of_children(master)
            fields = {
                "jurisdiction_id": "riverbend",
                "api_key": key,
                "service_code": "pothole",
                "attribute[size]": "small",
                "attribute[where_in_road]": "middle",
                "lat": "52.4862",
                "long": "-1.8904",
                "email": "bench@example.com",
            }
            peak = idle
            during: list[float] = []
            statuses: list[int] = []
            for _round in range(args.rounds):
                stop = threading.Event()

                def watch(stop: threading.Event = stop) -> None:
                    nonlocal peak
                    while not stop.is_set():
                        peak = max(peak, _rss_of_children(master))
                        time.sleep(0.02)

                watcher = threading.Thread(target=watch)
                watcher.start()

                def upload(_n: int) -> int:
                    body, kind = _multipart(fields, photo)
                    request = urllib.request.Request(
                        f"{base}/open311/v2/requests.json",
                        data=body,
                        headers={"Content-Type": kind},
                    )
                    with urllib.request.urlopen(request, timeout=120) as response:
                        return int(response.status)

                with ThreadPoolExecutor(args.uploads + 1) as pool:
                    sent = [pool.submit(upload, n) for n in range(args.uploads)]
                    probe = pool.submit(_healthz, base, 10)
                    statuses += [s.result() for s in sent]
                    during += probe.result()
                stop.set()
                watcher.join()
    mb = 1024 * 1024
    print(f"photo: {len(photo) / 1024:.0f} KB PNG, 5000 x 4990 pixels")
    print(
        f"uploads: {len(statuses)} ({args.rounds} rounds of {args.uploads} at once), "
        f"statuses {sorted(set(statuses))}"
    )
    print(f"workers' memory: idle {idle / mb:.0f} MB, peak {peak / mb:.0f} MB")
    ms = 1000
    print(
        f"/healthz p50/max: alone {ms * statistics.median(alone):.1f}/{ms * max(alone):.1f} ms, "
        f"during uploads {ms * statistics.median(during):.1f}/{ms * max(during):.1f} ms"
    )


if __name__ == "__main__":
    main()
