import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class HangingBackend(BaseEmailBackend):
    """An SMTP server that accepts the connection and then never answers."""

    def send_messages(self, email_messages):
        Path(os.environ["HANGING_MARKER"]).write_text("sending")
        time.sleep(120)
        return 0
