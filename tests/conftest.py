from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from tests.factories import AddressFactory, CouncilFactory, QuestionFactory, ServiceFactory


def _static_is_stale() -> bool:
    manifest = Path(django_settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return True
    sources = Path(__file__).resolve().parents[1] / "src" / "onecouncil"
    newest = max(p.stat().st_mtime for p in sources.glob("*/static/**/*") if p.is_file())
    return newest > manifest.stat().st_mtime


def pytest_sessionstart(session):
    """Pages name hashed static files from collectstatic's manifest (make test runs it
    first); collect again when a static file is newer, so a bare pytest works too."""
    if _static_is_stale():
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """The shared cache (a database table by default) outlives a test's transaction."""
    uses_db = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    if uses_db or request.node.get_closest_marker("django_db"):
        from django.core.cache import cache

        from onecouncil.catalogue import selectors
        from onecouncil.places import lookup

        request.getfixturevalue("db" if "db" in request.fixturenames else "transactional_db")
        cache.clear()
        # And what each process keeps by version: a rolled-back test tells no one.
        selectors.forget_what_this_process_read()
        lookup.forget_what_this_process_read()


@pytest.fixture(autouse=True)
def _force_login_gives_both_factors(monkeypatch):
    """``client.force_login(user)`` stands for a finished sign-in, which for staff has
    two steps: the session also carries the code (tests.two_factor.sign_in_with_code).
    Tests of the steps themselves sign in through the pages."""
    from django.test.client import ClientMixin

    from tests.two_factor import sign_in_with_code

    original = ClientMixin.force_login
    original_login = ClientMixin.login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        sign_in_with_code(self, user)

    def login(self, **credentials):
        from django.contrib.auth import get_user_model

        done = original_login(self, **credentials)
        if done:
            user = get_user_model().objects.get(pk=self.session["_auth_user_id"])
            sign_in_with_code(self, user)
        return done

    monkeypatch.setattr(ClientMixin, "force_login", force_login)
    monkeypatch.setattr(ClientMixin, "login", login)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INSIGHT_DIR = tmp_path / "insight"
    settings.OPENDATA_DIR = tmp_path / "opendata"
    settings.INBOX_DIR = tmp_path / "inbox"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Receivers in tests listen on loopback, which production refuses (core.egress).
    settings.EGRESS_ALLOWED_NETWORKS = ["127.0.0.0/8"]


@pytest.fixture
def council(db):
    return CouncilFactory(
        slug="riverbend",
        name="Riverbend Borough Council",
        reference_prefix="RVB",
        logo_text="Riverbend Council",
        public_base_url="http://testserver/riverbend",
    )


@pytest.fixture
def other_council(db):
    return CouncilFactory(
        slug="northfield",
        name="Northfield District Council",
        reference_prefix="NFD",
        public_base_url="http://testserver/northfield",
    )


@pytest.fixture
def missed_bin(council):
    """A missed-bin service with the questions a council would ask."""
    service = ServiceFactory(
        council=council,
        code="missed-bin",
        name="Report a missed bin collection",
        about_the_home=True,
    )
    QuestionFactory(
        service=service,
        code="which_bin",
        label="Which bin was missed?",
        kind="one_of",
        order=1,
        options=[
            {"value": "general", "label": "General waste"},
            {"value": "recycling", "label": "Recycling"},
        ],
    )
    QuestionFactory(
        service=service, code="out_by_7am", label="Was the bin out by 7am?", kind="yes_no", order=2
    )
    return service


@pytest.fixture
def address(council):
    return AddressFactory(
        council=council,
        uprn=100023336956,
        line1="4 Mill Lane",
        street="Mill Lane",
        postcode="RB1 2AB",
    )


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis: the one this machine runs on 127.0.0.1:6379 (database 15, emptied),
    or, where none runs, a throwaway redis-server on a free port (make test-deps installs
    Debian's redis-server)."""
    import shutil
    import socket
    import subprocess
    import time

    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pass
    else:
        yield url
        return
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/15"
    for _ in range(50):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)
