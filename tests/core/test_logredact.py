"""No secret link reaches a log line: paths are redacted by the URLconf's own token parts
(with or without a council's prefix), and anything token-like on an unknown path too."""

import logging

import pytest

from onecouncil.core.logredact import RedactSecretsFilter, redact_path, redact_text


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (
            "/riverbend/track/RVB-AAAA-AAAA/abcDEF123_xyz/",
            "/riverbend/track/RVB-AAAA-AAAA/[redacted]/",
        ),
        ("/track/RVB-AAAA-AAAA/abc/", "/track/RVB-AAAA-AAAA/[redacted]/"),
        (
            "/riverbend/track/RVB-AAAA-AAAA/rate/1a:2b:3c/",
            "/riverbend/track/RVB-AAAA-AAAA/rate/[redacted]/",
        ),
        ("/riverbend/account/sign-in/tok123/", "/riverbend/account/sign-in/[redacted]/"),
        ("/riverbend/alerts/stop/tok123/", "/riverbend/alerts/stop/[redacted]/"),
        ("/riverbend/unfollow/tok123/", "/riverbend/unfollow/[redacted]/"),
        ("/riverbend/staff/welcome/MTI/tok-en/", "/riverbend/staff/welcome/[redacted]/[redacted]/"),
        ("/riverbend/track/RVB-AAAA-AAAA/", "/riverbend/track/RVB-AAAA-AAAA/"),
        ("/riverbend/report/missed-bin/questions/?x=1", "/riverbend/report/missed-bin/questions/"),
        ("/nowhere/Xy7-kQ2pLm9vT4rZ8wB1nC5/", "/nowhere/[redacted]/"),
        ("/nowhere/a-long-plain-slug-of-words/", "/nowhere/a-long-plain-slug-of-words/"),
    ],
)
def test_paths_are_redacted(path, logged):
    assert redact_path(path) == logged


def test_every_log_record_is_redacted():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/track/RVB-AAAA-AAAA/sEcReT/",),
        None,
    )
    assert RedactSecretsFilter().filter(record)
    assert record.getMessage() == "Not Found: /track/RVB-AAAA-AAAA/[redacted]/"
    line = '"GET /riverbend/unfollow/sEcReT/?a=b HTTP/1.1" 302 0'
    assert redact_text(line) == '"GET /riverbend/unfollow/[redacted]/ HTTP/1.1" 302 0'
