"""CSV import: every row checked with its row number, all or nothing, idempotent by serial."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from opora.core.errors import InvalidInput
from opora.entitlements import services
from opora.entitlements.models import Asset, AssetPlan

pytestmark = pytest.mark.django_db

HEADER = "serial,product,customer_email,purchased_on,plan,plan_starts_on\n"


@pytest.fixture
def good_csv(plans, carol, erin) -> str:
    return (
        HEADER
        + "SN-1,router-x1,carol@example.com,2026-01-10,,\n"
        + "SN-2,router-x1,ERIN@example.com,2025-02-28,extended-2y,2026-02-28\n"
        + "SN-3,router-x1,erin@example.com,2024-02-29,extended-2y,\n"
    )


def test_import_creates_assets_and_paid_plans_and_reimport_changes_nothing(good_csv, erin):
    result = services.import_asset_csv(good_csv)
    assert (result.created, result.updated, result.unchanged, result.plans_added) == (3, 0, 0, 2)
    assert Asset.objects.get(serial="SN-2").customer == erin
    assert AssetPlan.objects.get(asset__serial="SN-3").starts_on == date(2024, 2, 29)
    again = services.import_asset_csv(good_csv.encode("utf-8-sig"))
    assert (again.created, again.updated, again.unchanged, again.plans_added) == (0, 0, 3, 0)
    assert Asset.objects.count() == 3 and AssetPlan.objects.count() == 2


def test_reimport_with_a_changed_row_updates_it_by_serial(good_csv, carol):
    services.import_asset_csv(good_csv)
    changed = good_csv.replace(
        "SN-2,router-x1,ERIN@example.com", "SN-2,router-x1,carol@example.com"
    )
    result = services.import_asset_csv(changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert Asset.objects.get(serial="SN-2").customer == carol


def test_every_bad_row_is_reported_with_its_number_and_nothing_is_imported(good_csv, plans):
    bad = (
        good_csv
        + "SN-1,router-x1,carol@example.com,2026-01-10,,\n"  # row 5: duplicate serial
        + ",router-x9,nobody@example.com,31.01.2026,,\n"  # row 6: four problems
        + "SN-7,router-x1,carol@example.com,2099-01-01,warranty-1y,\n"  # row 7: future, included
        + "SN-8,router-x1,carol@example.com,2026-01-01,,2026-02-01\n"  # row 8: start w/o plan
    )
    with pytest.raises(services.ImportRejected) as rejected:
        services.import_asset_csv(bad)
    found = {(e.row, e.column) for e in rejected.value.errors}
    assert found == {
        (5, "serial"),
        (6, "serial"),
        (6, "product"),
        (6, "customer_email"),
        (6, "purchased_on"),
        (7, "purchased_on"),
        (7, "plan"),
        (8, "plan_starts_on"),
    }
    assert "on row 2" in next(e.message for e in rejected.value.errors if e.row == 5)
    assert rejected.value.fields["row 6.product"].startswith("no product")
    assert Asset.objects.count() == 0


def test_header_problems_and_unreadable_files(plans):
    with pytest.raises(services.ImportRejected) as rejected:
        services.import_asset_csv("serial,product,colour\nA,router-x1,red\n")
    assert {(e.row, e.column) for e in rejected.value.errors} == {
        (1, "customer_email"),
        (1, "purchased_on"),
        (1, "colour"),
    }
    for data in (HEADER, b"\xff\xfe\x00bad", "serial\x00"):
        with pytest.raises(InvalidInput):
            services.import_asset_csv(data)
    with pytest.raises(services.ImportRejected):
        services.import_asset_csv(HEADER + "A,router-x1,a@b.c,2026-01-01,,,extra\n")


def test_a_failure_while_writing_rolls_everything_back(good_csv, monkeypatch):
    rows = services.parse_asset_csv(good_csv)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_add_paid_plans", broken)
    with pytest.raises(RuntimeError):
        services.import_assets(rows)
    assert Asset.objects.count() == 0


def test_management_command(good_csv, tmp_path, capsys):
    path = tmp_path / "assets.csv"
    path.write_text(good_csv)
    call_command("import_assets", str(path), "--check")
    assert Asset.objects.count() == 0
    call_command("import_assets", str(path))
    assert "3 new" in capsys.readouterr().out and Asset.objects.count() == 3
    path.write_text(HEADER + "SN-9,nope,carol@example.com,2026-01-01,,\n")
    with pytest.raises(CommandError):
        call_command("import_assets", str(path))
    assert "row 2, product" in capsys.readouterr().err
    with pytest.raises(CommandError):
        call_command("import_assets", str(tmp_path / "missing.csv"))


def test_upload_page_for_staff(good_csv, client_for, anna, lena, carol, client):
    page = client_for(anna).get("/entitlements/import/")
    assert page.status_code == 200
    upload = SimpleUploadedFile("a.csv", good_csv.encode(), content_type="text/csv")
    done = client_for(anna).post("/entitlements/import/", {"file": upload}, follow=True)
    assert "new: 3" in done.content.decode() and Asset.objects.count() == 3
    bad = SimpleUploadedFile("b.csv", (HEADER + "X,nope,carol@example.com,2026-01-01,,\n").encode())
    refused = client_for(anna).post("/entitlements/import/", {"file": bad})
    assert refused.status_code == 400 and "no product with code" in refused.content.decode()
    assert client_for(anna).post("/entitlements/import/", {}).status_code == 400
    # Light agents read coverage but do not import; customers and anonymous never.
    assert client_for(lena).get("/entitlements/import/").status_code == 403
    assert client_for(carol.user).get("/entitlements/import/").status_code == 403
    assert client.get("/entitlements/import/").status_code == 302


def test_bare_carriage_returns_are_line_ends_not_a_crash():
    # Found by the schema fuzzer: "\r" alone used to raise csv.Error (a 500).
    with pytest.raises(services.ImportRejected):
        services.parse_asset_csv("\rñ")
