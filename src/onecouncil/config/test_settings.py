"""Settings for the test suite: production's, with what only slows tests down changed.

- A fast password hasher: production's PBKDF2 costs about a second a hash on a small
  machine, and the suite makes hundreds of staff and residents. What the tests prove of
  passwords (checked, never stored in clear, the same work whether or not an account
  exists) holds for any hasher.
- The shared cache in this process's memory instead of a database table: the table is
  cleared before every test that uses the database. ``tests/test_serve.py`` and the
  Redis tests still prove the real cache shared between processes.
"""

from onecouncil.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "onecouncil-tests",
        "TIMEOUT": 60 * 60 * 24,
    }
}
