import contextlib
import ctypes
import os

from django.core.wsgi import get_wsgi_application

# Large blocks (a decoded photo's pixels) are given back to the system when freed: with
# glibc's default, a block freed by one of gunicorn's threads stays in that thread's
# arena, so a process that once decoded a few large photos in several threads holds that
# memory for ever (bench/photos.py). M_MMAP_THRESHOLD (-3) at 1 MB, set explicitly, keeps
# every allocation of 1 MB or more in its own mapping. Not glibc: nothing to do.
with contextlib.suppress(OSError, AttributeError):
    ctypes.CDLL("libc.so.6").mallopt(-3, 1024 * 1024)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecouncil.config.settings")
application = get_wsgi_application()
