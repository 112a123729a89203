"""Email as a channel: messages processed a second from a Maildir folder, beside the
writer alone making the same requests in the same run (this machine is noisy).

    .venv/bin/python bench/inbox.py [--messages 500] [--database-url URL] [--csv FILE]

Builds the demo councils (no history) in a fresh SQLite database, or in the PostgreSQL
database named by ``--database-url`` (emptied first), then:

1. writes ``--messages`` emails (real residents' words from the labelled CSV, one in ten
   with a photo attached, one in ten a reply from the reporter, one in twenty automatic
   mail) into Riverbend's ``new/`` folder and times ``maildir_job`` taking them all:
   stored whole, read, and turned into requests, notes or nothing;
2. the baseline: ``case_create`` called directly with the same words, contact and
   channel for as many requests as step 1 made, with no parsing, storing or places.

Prints both rates; record them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "nyc-311-publicstuff-2019.csv"


def photo(rng: random.Random) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (640, 480))
    image.putdata([(rng.randrange(256), 90, 60) for _ in range(640 * 480)])
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def message(n: int, text: str, *, image: bytes | None, headers: dict[str, str]) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Resident {n} <resident{n % 150}@example.com>"
    mail["To"] = "report@riverbend.example"
    mail["Subject"] = headers.pop("Subject", " ".join(text.split())[:40])
    mail["Message-ID"] = f"<bench-{n}@mail.example>"
    for name, value in headers.items():
        mail[name] = value
    mail.set_content(f"{text}\n\nThanks,\nA resident\n-- \nSent from my phone")
    if image:
        mail.add_attachment(image, maintype="image", subtype="jpeg", filename=f"IMG_{n}.jpg")
    return mail.as_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="oc-inbox-bench-"))
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecouncil.config.settings")
    os.environ["INBOX_DIR"] = str(workdir / "inbox")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("INSIGHT_DIR", str(workdir / "insight"))
    os.environ["INBOX_PER_SENDER_HOUR"] = "1000"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from onecouncil.cases.actions import case_create
    from onecouncil.cases.inputs import Contact, Location, NewRequest, Submitter
    from onecouncil.cases.models import Case, Channel
    from onecouncil.catalogue.selectors import triage_service
    from onecouncil.core.actors import Actor
    from onecouncil.core.models import Council
    from onecouncil.inbox.maildir import maildir_job, maildir_of
    from onecouncil.inbox.models import InboundMessage
    from onecouncil.triage.evaluate import read_rows

    rows, _empty = read_rows(
        args.csv, text="Description", label="Title", time_column="Date Created"
    )
    rng = random.Random(7)
    texts = [r.text for r in rng.sample(rows, args.messages)]
    print("building the demo (no history) ...")
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", history=0, requests=0, stdout=quiet)
    council = Council.objects.get(slug="riverbend")
    service = triage_service(council=council)
    assert service is not None

    def create(n: int, text: str) -> Case:
        return case_create(
            council=council,
            request=NewRequest(
                service=service,
                answers={"description": text},
                location=Location(),
                contact=Contact(name=f"Resident {n}", email=f"resident{n % 150}@example.com"),
                channel=Channel.EMAIL,
                submission_key=uuid.uuid4(),
                submitter=Submitter(actor=Actor.system("bench")),
            ),
        ).case

    earlier = {n: create(n, texts[n]) for n in range(150)}  # what replies answer

    folder = maildir_of(council) / "new"
    image = photo(rng)
    for n, text in enumerate(texts):
        headers: dict[str, str] = {}
        if n % 20 == 7:
            headers["Auto-Submitted"] = "auto-replied"
        elif n % 10 == 3:
            headers["Subject"] = f"Re: {earlier[n % 150].reference}"
        raw = message(n, text, image=image if n % 10 == 5 else None, headers=headers)
        (folder / f"{n:06d}.eml").write_bytes(raw)
    before = Case.objects.count()
    started = time.perf_counter()
    taken = maildir_job()
    seconds = time.perf_counter() - started
    made = Case.objects.count() - before
    print(f"\n{taken} emails from Maildir in {seconds:.2f} s: {taken / seconds:.1f} a second")
    replies = InboundMessage.objects.filter(status="reply").count()
    print(f"  ({made} requests, {replies} replies, {InboundMessage.objects.count()} stored)")

    started = time.perf_counter()
    for n, text in enumerate(texts[:made]):
        create(n, text)
    baseline = time.perf_counter() - started
    print(
        f"baseline: case_create alone, {made} requests in {baseline:.2f} s: "
        f"{made / baseline:.1f} a second"
    )


if __name__ == "__main__":
    main()
