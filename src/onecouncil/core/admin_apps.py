"""Django's admin app, with our site (``core.admin_site``): a password, then a code."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "onecouncil.core.admin_site.TwoFactorAdminSite"
