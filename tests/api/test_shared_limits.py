"""An API key's rate limit holds across processes: the counter lives in the shared cache
(Redis in production), incremented atomically, so two web processes serving the same key
at once allow exactly its limit between them, never a limit each."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid

from django.core.cache.backends.db import DatabaseCache

from onecouncil.api import keys

REDIS = ("127.0.0.1", 6379)

WORKER = textwrap.dedent(
    """
    import datetime, os, sys, time
    import django
    django.setup()
    from onecouncil.api import keys
    from onecouncil.api.keys import api_key_allow
    from onecouncil.api.models import ApiKey
    # One moment for both processes, so they count in the same minute however slowly
    # a loaded machine starts them.
    moment = datetime.datetime.fromtimestamp(float(sys.argv[5]), datetime.timezone.utc)
    keys.timezone.now = lambda: moment
    from django.core.cache import cache
    key = ApiKey(pk=int(sys.argv[1]), rate_limit_per_minute=int(sys.argv[2]))
    cache.add(f"api-key-used:{key.pk}", 1, 60)  # no database here: its use is noted
    start = float(sys.argv[3])
    while time.time() < start:
        time.sleep(0.001)
    print(sum(api_key_allow(key) is None for _ in range(int(sys.argv[4]))))
    """
)


def _redis_up() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(REDIS) == 0


def test_the_limit_holds_between_two_processes_sharing_redis(tmp_path):
    assert _redis_up(), "Redis must run on 127.0.0.1:6379 (make test starts one)"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "onecouncil.config.settings",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "ONECOUNCIL_VAR_DIR": str(tmp_path),
    }
    key_id = uuid.uuid4().int % 10**9  # a key no other run counts against
    start = time.time() + 3
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(key_id), "30", str(start), "40", str(start)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = [int(w.communicate(timeout=60)[0].strip()) for w in workers]
    # 80 asked between them: with a counter per process each would allow 30 (60 in all);
    # shared, exactly 30 in all, however the two interleave on a busy machine.
    assert sum(allowed) == 30, allowed


def test_the_database_cache_counts_in_rows_where_its_increments_are_not_atomic(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "onecouncil_cache",
        }
    }
    from django.core.cache import caches

    assert isinstance(caches["default"], DatabaseCache)
    assert keys._atomic_counters() is False
