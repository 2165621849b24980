"""`perezvon --version`, pyproject's metadata, and the Makefile's Python checks."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot import cli

ROOT = Path(__file__).resolve().parent.parent
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="no make")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["--version"])
    assert caught.value.code == 0
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    assert capsys.readouterr().out.strip() == f"perezvon {version}"


def test_pyproject_license_is_an_spdx_string() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    # The SPDX string needs setuptools 77 (PEP 639); older ones reject it.
    assert project["build-system"]["requires"] == ["setuptools>=77"]
    assert any(d.startswith("python-dotenv") for d in project["project"]["dependencies"])


def fake_python(folder: Path, version: str, *, ok: bool) -> Path:
    """A "python" that answers --version and -c like one of ``version``."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "python"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then echo "Python {version}"; exit 0; fi\n'
        f'if [ "$2" = "import sys; print(sys.version)" ]; then echo "{version} (fake)"; fi\n'
        f"exit {0 if ok else 1}\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def make(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "-C", str(folder), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@needs_make
def test_make_refuses_a_python_older_than_3_11(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    old = fake_python(tmp_path / "old", "3.9.18", ok=False)
    done = make(tmp_path, "test", f"PYTHON={old}")
    assert done.returncode != 0
    assert f"Perezvon needs Python 3.11 or newer; PYTHON={old} is Python 3.9.18." in done.stdout
    assert "make test PYTHON=python3.12" in done.stdout
    assert not (tmp_path / ".venv").exists()


@needs_make
def test_make_rebuilds_a_venv_made_with_another_python(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    fake_python(tmp_path / ".venv" / "bin", "3.12.1", ok=True)
    (tmp_path / ".venv" / "left-over").write_text("", encoding="utf-8")
    done = make(tmp_path, ".venv/.python", f"PYTHON={sys.executable}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ".venv was made with another Python (3.12.1 (fake)); rebuilding it" in done.stdout
    assert not (tmp_path / ".venv" / "left-over").exists()
    assert (tmp_path / ".venv" / ".python").read_text(encoding="utf-8").strip() == sys.version
