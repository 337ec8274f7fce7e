"""`manage.py import_staff FILE.csv` (API.md): creates or updates staff, idempotent, and all
or nothing with every bad row named by its line number."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from accounts.models import Role, Team, User

HEADER = "username,full_name,email,role,team,password\n"
GOOD = (
    HEADER
    + "jsmith,Jane Smith,jane.smith@example-police.uk,call_handler,Blue Watch,Handler-pass-2026\n"
    + "pjones,Paul Jones,paul.jones@example-police.uk,supervisor,Blue Watch,Super-pass-2026\n"
    + "tlee,Tara Lee,,trainer,,Trainer-pass-2026\n"
    + "asso,Ali SSO,ali@example-police.uk,analyst,Red Watch,\n"
)


def write(tmp_path: Path, text: str, name: str = "staff.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_staff", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing_import(path: Path) -> tuple[str, str]:
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_staff", str(path), stdout=StringIO(), stderr=err)
    return str(raised.value), err.getvalue()


def role_groups(user: User) -> set[str]:
    return set(user.groups.filter(name__in=Role.labels).values_list("name", flat=True))


def test_a_good_file_creates_staff_with_their_roles_groups_teams_and_passwords(db, tmp_path):
    out, _ = run_import(write(tmp_path, GOOD))

    assert "4 created, 0 updated" in out
    jane = User.objects.get(username="jsmith")
    assert (jane.full_name, jane.email, jane.role, jane.team.name) == (
        "Jane Smith",
        "jane.smith@example-police.uk",
        Role.CALL_HANDLER,
        "Blue Watch",
    )
    assert jane.check_password("Handler-pass-2026")
    assert role_groups(jane) == {"Call handler"}
    assert jane.has_perm("incidents.add_incident")
    assert not jane.is_staff
    paul = User.objects.get(username="pjones")
    assert paul.role == Role.SUPERVISOR
    assert role_groups(paul) == {"Supervisor"}
    assert paul.team == jane.team
    tara = User.objects.get(username="tlee")
    assert tara.team is None
    assert tara.email == ""
    assert role_groups(tara) == {"Trainer"}
    assert set(Team.objects.values_list("name", flat=True)) >= {"Blue Watch", "Red Watch"}


def test_an_empty_password_makes_a_single_sign_on_account_that_cannot_sign_in_with_a_password(db, tmp_path, client):
    run_import(write(tmp_path, GOOD))

    ali = User.objects.get(username="asso")
    assert not ali.has_usable_password()
    assert ali.role == Role.ANALYST
    assert role_groups(ali) == {"Analyst"}
    response = client.post("/login/", {"username": "asso", "password": "anything"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()


def test_running_the_same_file_again_changes_nothing(db, tmp_path):
    path = write(tmp_path, GOOD)
    run_import(path)
    before = {u.username: (u.password, u.full_name, u.role, u.team_id) for u in User.objects.all()}
    teams = Team.objects.count()
    groups = {u.username: role_groups(u) for u in User.objects.all()}

    out, _ = run_import(path)

    assert "0 created, 0 updated, 4 unchanged" in out
    assert {u.username: (u.password, u.full_name, u.role, u.team_id) for u in User.objects.all()} == before
    assert {u.username: role_groups(u) for u in User.objects.all()} == groups
    assert Team.objects.count() == teams


def test_a_changed_row_updates_the_member_of_staff(db, tmp_path):
    run_import(write(tmp_path, GOOD))
    changed = GOOD.replace(
        "jsmith,Jane Smith,jane.smith@example-police.uk,call_handler,Blue Watch,Handler-pass-2026",
        "jsmith,Jane Smith-Ward,jane.ward@example-police.uk,supervisor,Red Watch,New-pass-2026",
    )

    out, _ = run_import(write(tmp_path, changed, "changed.csv"))

    assert "0 created, 1 updated, 3 unchanged" in out
    jane = User.objects.get(username="jsmith")
    assert (jane.full_name, jane.email, jane.role, jane.team.name) == (
        "Jane Smith-Ward",
        "jane.ward@example-police.uk",
        Role.SUPERVISOR,
        "Red Watch",
    )
    assert role_groups(jane) == {"Supervisor"}  # the old role's group is gone
    assert jane.check_password("New-pass-2026")


def test_a_re_import_with_an_empty_password_keeps_the_existing_password(db, tmp_path):
    run_import(write(tmp_path, GOOD))
    run_import(write(tmp_path, GOOD.replace(",Handler-pass-2026", ","), "sso.csv"))

    assert User.objects.get(username="jsmith").check_password("Handler-pass-2026")


BAD_ROWS = (
    HEADER
    + "good1,Good One,good1@example-police.uk,call_handler,Blue Watch,Pass-word-1\n"  # line 2
    + "bob,Bob Role,bob@example-police.uk,sergeant,Blue Watch,Pass-word-2\n"  # line 3: unknown role
    + "carol,Carol Mail,not-an-email,analyst,,Pass-word-3\n"  # line 4: bad email
    + "good1,Good Again,again@example-police.uk,trainer,,Pass-word-4\n"  # line 5: duplicate username
    + "dave,Dave Short,dave@example-police.uk,call_handler\n"  # line 6: wrong column count
    + "good2,Good Two,good2@example-police.uk,supervisor,Red Watch,Pass-word-5\n"  # line 7
)


def test_bad_rows_are_each_reported_with_their_line_number_and_nothing_is_imported(db, tmp_path):
    message, err = run_failing_import(write(tmp_path, BAD_ROWS))

    assert "4 bad row(s); nothing was imported" in message
    assert "line 3: role 'sergeant' is not one of" in err
    assert "line 4: email 'not-an-email' is not a valid address" in err
    assert "line 5: username 'good1' already appears on line 2" in err
    assert "line 6: expected 6 columns, found 4" in err
    assert "line 2" not in err.replace("on line 2", "")
    assert "line 7" not in err
    # All or nothing: not even the good rows, nor their teams.
    assert not User.objects.filter(username__in=["good1", "good2", "bob", "carol", "dave"]).exists()
    assert not Team.objects.filter(name__in=["Blue Watch", "Red Watch"]).exists()


def test_a_bad_row_leaves_existing_staff_as_they_were(db, tmp_path):
    run_import(write(tmp_path, GOOD))
    broken = GOOD.replace("Jane Smith,", "Jane Changed,") + "eve,Eve,eve@example-police.uk,chief,,x\n"

    _, err = run_failing_import(write(tmp_path, broken, "broken.csv"))

    assert "line 6: role 'chief'" in err
    assert User.objects.get(username="jsmith").full_name == "Jane Smith"
    assert not User.objects.filter(username="eve").exists()


@pytest.mark.parametrize(
    "header",
    [
        "username,name,email,role,team,password",
        "username,full_name,email,role,team",
        "full_name,username,email,role,team,password",
    ],
)
def test_a_bad_header_is_reported_on_line_1_and_nothing_is_imported(db, tmp_path, header):
    text = header + "\njsmith,Jane Smith,jane@example-police.uk,call_handler,Blue Watch,Pass-word-1\n"

    message, err = run_failing_import(write(tmp_path, text))

    assert "nothing was imported" in message
    assert "line 1: the header must be username,full_name,email,role,team,password" in err
    assert not User.objects.filter(username="jsmith").exists()


def test_an_empty_file_and_a_missing_file_are_clear_errors(db, tmp_path):
    _, err = run_failing_import(write(tmp_path, ""))
    assert "line 1: the file is empty" in err

    message, _ = run_failing_import(tmp_path / "nowhere.csv")
    assert "no such file" in message


def test_a_spreadsheet_export_with_a_byte_order_mark_and_windows_line_endings_imports(db, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + GOOD).replace("\n", "\r\n").encode("utf-8"))

    out, _ = run_import(path)

    assert "4 created" in out
    assert Group.objects.get(name="Supervisor").user_set.filter(username="pjones").exists()
