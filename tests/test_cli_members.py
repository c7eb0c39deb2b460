"""``mace-bot members``: import, add, remove and list from the command line, against the
SQLite store in a temporary data folder. One clear line per result; exit 1 on an error.

All names and emails are invented (example.org).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.services.reference_data import DEMO_DATA

HEADER = "name,email,aad_object_id,agency,locality,role,admin\n"


@pytest.fixture(autouse=True)
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("APP_ID", "APP_PASSWORD", "DATABASE_URL", "HOST", "PORT", "MACE_DEMO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("MACE_DATA_KEYS", raising=False)
    monkeypatch.setenv("MACE_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def demo(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo localities, agencies and members, loaded the way an operator would."""
    assert main(["load-data", str(DEMO_DATA)]) == 0
    capsys.readouterr()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_then_list_then_import_again(
    demo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = write(
        tmp_path,
        "roster.csv",
        HEADER
        + "Ada Fielding,ada.fielding@example.org,aad-0001,police,selby,chair,\n"
        + "Ada Fielding,ada.fielding@example.org,aad-0001,police,craven,partner,\n"
        + "Ben Marlow,ben.marlow@example.org,aad-0002,health,selby,minute_taker,\n",
    )
    assert main(["members", "import", roster]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "Imported: 2 members added, 0 updated, 3 roles added."

    assert main(["members", "list", "selby"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "Ada Fielding (police): chair" in listed
    assert "Ben Marlow (health): minute_taker" in listed
    assert "Riley Quinn (nyscp): coordinator" in listed  # from the demo data

    assert main(["members", "import", roster]) == 0
    assert capsys.readouterr().out.strip() == (
        "Imported: 0 members added, 0 updated, 0 roles added."
    )


def test_a_bad_file_imports_nothing_and_lists_each_bad_line(
    demo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path,
        "bad.csv",
        HEADER
        + "Dora Vale,dora.vale@example.org,,police,selby,partner,\n"
        + "Eli Stone,eli.stone-example.org,,police,selby,partner,\n"
        + "Fay Lund,fay.lund@example.org,,police,whitby,partner,\n",
    )
    assert main(["members", "import", bad]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "line 3, column email: not a valid email address",
        "line 4, column locality: unknown locality code 'whitby'",
        "Nothing imported: 2 problems in the file (fix them and import it again).",
    ]
    assert "eli.stone" not in captured.err and "Dora" not in captured.err
    assert main(["members", "list", "selby"]) == 0
    assert "Dora Vale" not in capsys.readouterr().out  # the good row was not written either


def test_add_remove_and_deactivate(demo: None, capsys: pytest.CaptureFixture[str]) -> None:
    priya = "00000000-0000-0000-0000-0000000000103"
    assert main(["members", "add", priya, "harrogate", "agency_lead"]) == 0
    assert capsys.readouterr().out.strip() == "Priya Shah is now Agency lead in Harrogate."

    new = [
        "members",
        "add",
        "nia.brook@example.org",
        "selby",
        "partner",
        "--name",
        "Nia Brook",
        "--agency",
        "health",
    ]
    assert main(new) == 0
    assert capsys.readouterr().out.strip() == (
        "Added Nia Brook as a new member, Partner member in Selby. They have no Entra "
        "object id yet, so Teams will not recognise them."
    )
    assert main(["members", "list", "selby"]) == 0
    assert "Nia Brook (health): partner" in capsys.readouterr().out.splitlines()

    remove = ["members", "remove", priya, "--locality", "harrogate", "--role", "agency_lead"]
    assert main(remove) == 0
    assert capsys.readouterr().out.strip() == "Priya Shah is no longer Agency lead in Harrogate."

    assert main(["members", "remove", "NIA.BROOK@example.org"]) == 0
    assert capsys.readouterr().out.strip() == "Deactivated Nia Brook and removed 1 role."
    assert main(["members", "list", "selby"]) == 0
    assert "Nia Brook" not in capsys.readouterr().out


def test_errors_are_one_clear_line_and_exit_1(
    demo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["members", "add", "nobody@example.org", "selby", "chair"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: No member has that email or Entra object id.")
    assert "nobody@" not in err

    assert main(["members", "add", "nobody@example.org", "whitby", "boss"]) == 1
    err = capsys.readouterr().err.strip()
    assert "Unknown locality code 'whitby'" in err and "Choose a role" in err
    assert len(err.splitlines()) == 1

    assert main(["members", "remove", "nobody@example.org"]) == 1
    assert capsys.readouterr().err.strip() == "Error: No member has that email or Entra object id."

    assert main(["members", "list", "whitby"]) == 1
    assert "Unknown locality code 'whitby'" in capsys.readouterr().err

    assert main(["members", "import", str(tmp_path / "missing.csv")]) == 1
    assert "could not read" in capsys.readouterr().err
