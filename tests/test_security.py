"""Who can get in: sign-in throttles on every door, and exports that cannot attack the
spreadsheet they are opened in."""

from django.contrib.auth import get_user_model

from onecouncil.core.models import FailedLogin
from tests.backoffice_helpers import PASSWORD


def test_the_staff_admin_sign_in_is_throttled_like_the_staff_pages(client, db):
    get_user_model().objects.create_superuser("root@x.example", "root@x.example", PASSWORD)
    for _ in range(5):
        wrong = client.post(
            "/admin/login/", {"username": "root@x.example", "password": "not-the-password"}
        )
        assert wrong.status_code == 200
    assert FailedLogin.objects.filter(username="root@x.example").count() == 5
    refused = client.post("/admin/login/", {"username": "root@x.example", "password": PASSWORD})
    assert refused.status_code == 200
    assert "Too many attempts to sign in" in refused.text
    assert "_auth_user_id" not in client.session


def test_the_staff_admin_signs_in_with_the_right_password(client, db):
    get_user_model().objects.create_superuser("root@x.example", "root@x.example", PASSWORD)
    response = client.post("/admin/login/", {"username": "root@x.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_exports_neutralise_formulas_and_keep_numbers():
    from onecouncil.core.exports import safe_cell

    for dangerous in ('=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("-1.89") == "-1.89" and safe_cell(-1.89) == -1.89
    assert safe_cell("Mill Lane") == "Mill Lane" and safe_cell(None) == ""


def test_a_street_typed_as_a_formula_reaches_the_export_as_text(client, council, missed_bin):
    import csv
    import io

    from onecouncil.cases.inputs import Location
    from onecouncil.core.models import Role
    from tests.backoffice_helpers import staff
    from tests.factories import make_case

    make_case(
        missed_bin,
        answers={"which_bin": "general", "out_by_7am": "yes"},
        location=Location(street='=HYPERLINK("http://evil.example","Click")', description="x"),
    )
    client.force_login(staff(council, Role.TEAM_LEADER))
    response = client.get("/riverbend/staff/queue/export.csv", {"status": "", "team": ""})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["street"] == '\'=HYPERLINK("http://evil.example","Click")'


def test_every_csv_is_written_by_the_one_export_writer():
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "onecouncil"
    offenders = [
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if path.name != "exports.py"
        and ("csv.writer(" in path.read_text() or "csv.DictWriter(" in path.read_text())
    ]
    assert not offenders, f"write CSV through onecouncil.core.exports.csv_writer: {offenders}"
