"""The catalogue's version goes up with every change its writers make (the staff admin,
the import): explicit calls, no Django signals. Pages and entries cached from the
catalogue are keyed by it, so a change made in the admin shows at once on the site."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from onecouncil.catalogue.exchange import (
    CatalogueImportError,
    catalogue_export,
    catalogue_import,
)
from onecouncil.catalogue.models import SearchSynonym
from tests.backoffice_helpers import PASSWORD


def _version(council):
    council.refresh_from_db(fields=["catalogue_version"])
    return council.catalogue_version


def test_a_change_in_the_admin_shows_at_once_on_the_site(client, council, missed_bin):
    assert "Report a missed bin collection" in client.get("/riverbend/services/").text
    root = get_user_model().objects.create_superuser("root@x.example", "root@x.example", PASSWORD)
    staff = client.__class__()
    staff.force_login(root)
    before = _version(council)
    synonym = staff.post(
        "/admin/catalogue/searchsynonym/add/",
        {"council": council.pk, "term": "rubbish", "means": "bin"},
    )
    assert synonym.status_code == 302
    assert _version(council) == before + 1
    staff.post(
        f"/admin/catalogue/searchsynonym/{SearchSynonym.objects.get().pk}/delete/",
        {"post": "yes"},
    )
    assert _version(council) == before + 2
    assert not SearchSynonym.objects.exists()


def test_an_import_raises_the_version_once_and_a_refused_one_not_at_all(council, missed_bin):
    text = catalogue_export(council=council)
    before = _version(council)
    catalogue_import(
        council=council, text=text.replace("Report a missed bin", "Tell us a missed bin")
    )
    assert _version(council) == before + 1
    with pytest.raises(CatalogueImportError):
        catalogue_import(council=council, text="services: [{code: ''}]")
    assert _version(council) == before + 1
