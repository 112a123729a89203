"""Sign-up and sign-in take the same time whether or not an account exists.

Runs the product in this process against a fresh SQLite database (the demo catalogue,
no requests) and times each kind of form submission through Django's request handling,
the work a timing attacker would measure:

    .venv/bin/python bench/accounts.py [--rounds 30]

Prints the median and spread of each; record them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="oc-bench-accounts-")
    os.environ["ONECOUNCIL_VAR_DIR"] = work
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecouncil.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from onecouncil.core.models import Council
    from onecouncil.residents.accounts import account_signup, account_verify

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = ["testserver"]
    import logging

    logging.disable(logging.WARNING)  # the link-email throttle says so for each repeat
    call_command("migrate", verbosity=0)
    call_command("load_demo", requests=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    council = Council.objects.get(slug="riverbend")
    password = "heron-kettle-orchard-9"  # noqa: S105 - a throwaway benchmark account
    issued = account_signup(council=council, email="owner@example.com", password=password)
    account_verify(
        council=council, token=issued.token, chosen=("owner@example.com", issued.password_hash)
    )

    def timed(label: str, make_request) -> None:
        times = []
        for n in range(args.rounds):
            client = Client(REMOTE_ADDR=f"10.9.{n // 250}.{n % 250 + 1}")  # no throttle
            start = time.perf_counter()
            make_request(client, n)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"{label:<52} median {statistics.median(times):6.1f} ms"
            f"  (min {min(times):.1f}, max {max(times):.1f})"
        )

    sign_in = "/riverbend/account/sign-in/"
    sign_up = "/riverbend/account/sign-up/"
    timed(
        "sign in, wrong password, account exists",
        lambda c, n: c.post(sign_in, {"email": "owner@example.com", "password": f"x{n}-wrong"}),
    )
    timed(
        "sign in, any password, no such account",
        lambda c, n: c.post(sign_in, {"email": f"nobody{n}@example.com", "password": "x-wrong"}),
    )
    timed(
        "sign-in link, account exists",
        lambda c, n: c.post(sign_in, {"email": "owner@example.com", "password": ""}),
    )
    timed(
        "sign-in link, no such account",
        lambda c, n: c.post(sign_in, {"email": f"none{n}@example.com", "password": ""}),
    )
    timed(
        "sign up, address already has an account",
        lambda c, n: c.post(sign_up, {"email": "owner@example.com", "password": password}),
    )
    timed(
        "sign up, new address",
        lambda c, n: c.post(sign_up, {"email": f"new{n}@example.com", "password": password}),
    )


if __name__ == "__main__":
    main()
