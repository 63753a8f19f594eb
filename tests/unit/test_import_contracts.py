"""The layer contracts of pyproject.toml ([tool.importlinter]): kept by the tree, and able to fail.

lint-imports runs as a process, as `make imports` runs it, so that a copy of the package can be
checked in place of the installed one (PYTHONPATH puts the copy first).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = (
    "domain-pure",
    "domain-alone",
    "simulator-standalone",
    "services-use-ports",
    "services-no-storage",
    "entrypoints-hold-no-sql",
)


def contract_name(contract_id: str) -> str:
    config = tomllib.loads(PYPROJECT.read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return str(next(c["name"] for c in contracts if c["id"] == contract_id))


def lint_imports(workdir: Path, contracts: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    args = [str(LINT_IMPORTS), str(workdir / "pyproject.toml"), "--no-cache", "--no-logo"]
    for contract in contracts:
        args += ["--contract", contract]
    return subprocess.run(
        args,
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(workdir / "src")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_layer_contract_is_kept_by_the_tree() -> None:
    result = lint_imports(ROOT, CONTRACTS)

    assert result.returncode == 0, result.stdout + result.stderr
    for contract in CONTRACTS:
        assert f"{contract_name(contract)} KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract", "reported"),
    [
        (
            "domain/money.py",
            "import sqlalchemy",
            "domain-pure",
            "binfolio.domain.money -> sqlalchemy",
        ),
        (
            "simulator/clock.py",
            "from binfolio.config import Settings",
            "simulator-standalone",
            "binfolio.simulator.clock -> binfolio.config",
        ),
        (
            # Indirect: the ledger service reaching the database through a repository module.
            "services/ledger/sync.py",
            "from binfolio.adapters.storage import ledger_repo",
            "services-no-storage",
            "binfolio.services.ledger.sync -> binfolio.adapters.storage.ledger_repo",
        ),
        (
            "entrypoints/cli/report.py",
            "from sqlalchemy import select",
            "entrypoints-hold-no-sql",
            "binfolio.entrypoints.cli.report -> sqlalchemy",
        ),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, module: str, forbidden_import: str, contract: str, reported: str
) -> None:
    shutil.copytree(
        ROOT / "src" / "binfolio",
        tmp_path / "src" / "binfolio",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    source = tmp_path / "src" / "binfolio" / module
    source.write_text(source.read_text() + f"\n{forbidden_import}  # noqa: E402\n")

    result = lint_imports(tmp_path, (contract,))

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{contract_name(contract)} BROKEN" in result.stdout
    assert reported in result.stdout
