"""The import contracts in pyproject.toml ([tool.importlinter]) hold, so `make test` (what CI
runs) catches a broken boundary as well as `make lint`."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def test_import_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in result.stdout


def test_the_pure_engine_contract_names_every_other_room_of_app():
    """A forbidden contract lists modules: a new room of app/ must join the list, or the engine
    could import it unnoticed."""
    rooms = {
        f"app.{path.stem}"
        for path in (ROOT / "app").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    forbidden = set(_contracts()["pure-engine"]["forbidden_modules"])
    assert forbidden == rooms - {"app.scheduling"}
