from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "onecouncil.inbox"
    label = "inbox"
    verbose_name = _("Email inbox")

    def ready(self) -> None:
        from onecouncil.core.privacy import DataStore, register_store
        from onecouncil.core.worker import register_job
        from onecouncil.inbox.imap import imap_job
        from onecouncil.inbox.maildir import maildir_job
        from onecouncil.inbox.store import inbox_erase, inbox_expire, inbox_export, inbox_held

        register_job("inbox-maildir", maildir_job)
        register_job("inbox-imap", imap_job)
        register_store(
            DataStore(
                name="inbox",
                expire=inbox_expire,
                erase=inbox_erase,
                export=inbox_export,
                held=inbox_held,
                describes="Emails residents sent to the council's inbound addresses, kept "
                "whole (headers, words, attachments) so that none is lost: with the request "
                "each became or joined, until that request's retention ends, and otherwise "
                "(quarantined, ignored, could not be read) for 90 days",
            )
        )
