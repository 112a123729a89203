"""Mail from a Maildir folder per council (``INBOX_DIR/<council-slug>/``, the default, so
``make run`` works with nothing else: drop an ``.eml`` into its ``new/``). Each message is
stored and acted on (``message_take``) before its file moves to ``cur/``; nothing is
deleted, and a message whose file is still in ``new/`` after a crash is found again,
and recognised, on the next round."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings

from onecouncil.core.models import Council
from onecouncil.inbox.intake import message_take

logger = logging.getLogger(__name__)


def maildir_of(council: Council) -> Path:
    folder = Path(settings.INBOX_DIR) / council.slug
    for part in ("new", "cur", "tmp"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    return folder


def maildir_read(council: Council) -> int:
    folder = maildir_of(council)
    done = 0
    for path in sorted((folder / "new").iterdir()):
        if not path.is_file():
            continue
        message_take(council=council, raw=path.read_bytes())
        path.rename(folder / "cur" / f"{path.name}:2,S")
        done += 1
    return done


def maildir_job() -> int:
    """The worker's job: every active council's new mail."""
    done = 0
    for council in Council.objects.filter(is_active=True):
        try:
            done += maildir_read(council)
        except Exception:
            logger.exception("reading the inbox of council %s failed", council.pk)
    return done
