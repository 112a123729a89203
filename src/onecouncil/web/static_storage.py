"""Static files: hashed names, compressed copies, cached for a year.

``collectstatic`` (run by ``make run``, ``make test`` and the deployment) writes every
file with a content hash in its name plus gzip copies; WhiteNoise serves the hashed
names with ``Cache-Control: max-age=315360000, public, immutable``, and the compressed
copy to browsers that accept it.

A file missing from the manifest (a template naming a file nobody collected) must never
take a page down: its URL falls back to the plain name, which is logged.
"""

from __future__ import annotations

import logging

from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import (  # type: ignore[import-untyped]  # whitenoise ships no type hints
    CompressedManifestStaticFilesStorage,
)

logger = logging.getLogger(__name__)


class StaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def url(self, name: str | None, force: bool = False) -> str:
        try:
            return super().url(name, force)
        except ValueError:
            # Debug, not warning: WhiteNoise probes names that do not exist on purpose.
            logger.debug("Static file %s is not in the manifest; run collectstatic", name)
            return StaticFilesStorage.url(self, name)
