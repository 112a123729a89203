"""Sign-up and sign-in do the same work whether or not an account exists: one password
hash or check, and one email, so neither the time taken nor the outbox tells anyone which
addresses have accounts. (Timings: bench/accounts.py, docs/benchmarks.md.)"""

import pytest
from django.contrib.auth import hashers

from onecouncil.notify.models import Notification
from onecouncil.residents import accounts
from onecouncil.residents.accounts import account_signup, account_verify

PASSWORD = "heron-kettle-orchard-9"


@pytest.fixture
def counted(monkeypatch):
    calls = {"make": 0, "check": 0}
    make, check = hashers.make_password, hashers.check_password

    def counting_make(*args, **kwargs):
        calls["make"] += 1
        return make(*args, **kwargs)

    def counting_check(*args, **kwargs):
        calls["check"] += 1
        return check(*args, **kwargs)

    monkeypatch.setattr(accounts, "make_password", counting_make)
    monkeypatch.setattr(accounts, "check_password", counting_check)
    accounts._unusable_hash()  # made once per process, before any request
    return calls


@pytest.fixture
def verified(council):
    issued = account_signup(council=council, email="owner@example.com", password=PASSWORD)
    return account_verify(
        council=council,
        token=issued.token,
        chosen=("owner@example.com", issued.password_hash),
    )


def _work(calls, action):
    before = dict(calls), Notification.objects.count()
    action()
    return (
        calls["make"] - before[0]["make"],
        calls["check"] - before[0]["check"],
        Notification.objects.count() - before[1],
    )


def test_signing_in_with_a_password_checks_one_hash_either_way(client, counted, verified):
    def sign_in(email):
        return lambda: client.post(
            "/riverbend/account/sign-in/", {"email": email, "password": "wrong-password-1"}
        )

    known = _work(counted, sign_in("owner@example.com"))
    unknown = _work(counted, sign_in("nobody@example.com"))
    assert known == unknown == (0, 1, 0)


def test_asking_for_a_sign_in_link_sends_one_email_either_way(client, counted, verified):
    def ask(email):
        return lambda: client.post("/riverbend/account/sign-in/", {"email": email, "password": ""})

    assert _work(counted, ask("owner@example.com")) == _work(counted, ask("nobody@example.com"))
    assert set(Notification.objects.values_list("kind", flat=True)) >= {
        "account_sign_in",
        "account_none",
    }
    none = Notification.objects.get(kind="account_none")
    assert none.recipient == "nobody@example.com"
    assert none.context["link"].endswith("/riverbend/account/sign-up/")


def test_signing_up_hashes_once_and_sends_one_email_either_way(client, counted, verified):
    def sign_up(email):
        return lambda: client.post(
            "/riverbend/account/sign-up/", {"email": email, "password": PASSWORD}
        )

    existing = _work(counted, sign_up("owner@example.com"))
    new = _work(counted, sign_up("new@example.com"))
    assert existing == new == (1, 0, 1)
