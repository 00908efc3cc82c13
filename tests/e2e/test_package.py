"""The release: the wheel built from this tree installs into a clean virtualenv and works."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tap_stripe_readonly.streams import STREAM_TYPES

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")  # comes with Meltano, in the dev virtualenv


def run(*args: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=600, check=False, cwd=cwd
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tap's executable in a fresh virtualenv that has only the wheel and its deps."""
    where = tmp_path_factory.mktemp("release")
    run(UV, "build", "--wheel", "--out-dir", where / "dist", ROOT)
    (wheel,) = (where / "dist").glob("tap_stripe_readonly-*.whl")
    run(UV, "venv", "--python", sys.executable, where / "venv")
    run(UV, "pip", "install", "--python", where / "venv" / "bin" / "python", wheel)
    return where / "venv" / "bin" / "tap-stripe-readonly"


def test_about_lists_the_settings(installed, tmp_path):
    about = json.loads(run(installed, "--about", "--format", "json", cwd=tmp_path))
    settings = set(about["settings"]["properties"])
    assert {"api_key", "account_ids", "capture_changes", "max_requests_per_second"} <= settings


def test_discover_finds_every_stream_with_its_schema(installed, tmp_path):
    """Run away from the source tree: the schemas must come from the wheel itself."""
    catalog = json.loads(run(installed, "--discover", cwd=tmp_path))
    schemas = {entry["tap_stream_id"]: entry["schema"] for entry in catalog["streams"]}
    assert set(schemas) == {s.name for s in STREAM_TYPES}
    assert all(len(schema["properties"]) > 3 for schema in schemas.values())
