"""Secrets never reach a log: the one place that takes them out of paths.

Private tracking links, rating links, one-time sign-in links, alert, follow and unfollow
links and staff invitations carry a secret in their path (``<str:token>``). Whoever
reads an access log must not be able to replay them, so every log line passes through
``redact_text``: the access log (gunicorn's, through ``AccessLogger``), Django's own
request warnings ("Not Found: /riverbend/track/…") and the development server's lines
(``RedactSecretsFilter`` on every handler, see ``config.settings.LOGGING``).

A path is matched against the URLconf (with and without a council's path prefix) and
every URL part named in ``SECRET_PARTS`` becomes ``[redacted]``. A path that matches no
URL has any part that looks like a token (20 characters or more that are not a plain
slug, or holding a ``:`` as signed values do) redacted all the same, so a mistyped link
is not logged either.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger  # type: ignore[import-untyped]  # gunicorn ships no types

# Names of URL parts that hold a secret, wherever they appear in the URLconf.
SECRET_PARTS = frozenset({"token", "uidb64"})
REDACTED = "[redacted]"

_PATHS = re.compile(r"(?<![\w.])/[^\s\"'<>#]*")
_SLUG = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")


def _looks_secret(part: str) -> bool:
    return ":" in part or (len(part) >= 20 and not _SLUG.fullmatch(part))


def _secrets_by_urlconf(path: str) -> set[str] | None:
    """The secret parts of ``path`` by the URLconf; None when no URL matches."""
    from django.urls import Resolver404, resolve

    parts = path.split("/")
    candidates = [path]
    if len(parts) > 2:  # a council's path prefix: /riverbend/track/…
        candidates.append("/" + "/".join(parts[2:]))
    for candidate in candidates:
        try:
            match = resolve(candidate)
        except (Resolver404, ValueError):
            continue
        except Exception:  # a log line must never fail on the URLconf
            return None
        return {str(v) for k, v in match.kwargs.items() if k in SECRET_PARTS and v}
    return None


def redact_path(path: str) -> str:
    """``path`` (no query string) with every secret in it replaced by ``[redacted]``."""
    path = path.split("?", 1)[0]
    secrets = _secrets_by_urlconf(path)
    parts = path.split("/")
    if secrets is None:
        return "/".join(REDACTED if _looks_secret(p) else p for p in parts)
    return "/".join(REDACTED if p in secrets else p for p in parts)


def redact_text(text: str) -> str:
    """``text`` with every path in it redacted and every query string dropped."""
    return _PATHS.sub(lambda m: redact_path(m.group(0)), text)


class RedactSecretsFilter(logging.Filter):
    """Rewrites each record's message through ``redact_text`` (on every handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is still logged
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class AccessLogger(GunicornLogger):
    """gunicorn's logger whose request line and path are redacted: ``%(U)s`` and
    ``%(r)s`` carry no secret and no query string (an Open311 client may put its
    ``api_key`` there)."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO", ""))
        atoms["U"] = path
        atoms["r"] = f"{environ.get('REQUEST_METHOD', '-')} {path} {atoms.get('H', '-')}"
        atoms["q"] = ""
        return atoms
