"""meltano.yml and the Meltano Hub definition stay in step with the tap's own settings."""

from __future__ import annotations

import copy
import re
import typing as t
from pathlib import Path

import pytest
import yaml
from singer_sdk.helpers.capabilities import FLATTENING_CONFIG, STREAM_MAPS_CONFIG

from tap_stripe_readonly.config import KEY_PERMISSIONS
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.tap import TapStripeReadonly

ROOT = Path(__file__).resolve().parent.parent
HUB = ROOT / "hub" / "_data" / "meltano" / "extractors" / "tap-stripe-readonly" / "readonly.yml"


def tap_settings() -> dict[str, dict[str, t.Any]]:
    """The tap's settings as `--about` reports them, SDK built-ins included."""
    schema = copy.deepcopy(TapStripeReadonly.config_jsonschema)
    TapStripeReadonly.append_builtin_config(schema)
    return schema["properties"]


def meltano_extractor() -> dict[str, t.Any]:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    (extractor,) = [
        e for e in project["plugins"]["extractors"] if e["name"] == "tap-stripe-readonly"
    ]
    return extractor


def expected_kind(name: str, prop: dict[str, t.Any]) -> str:
    types = prop.get("type", [])
    types = [types] if isinstance(types, str) else types
    if prop.get("secret"):
        return "password"
    if prop.get("format") == "date-time":
        return "date_iso8601"
    if "anyOf" in prop:  # account_ids: a list, or "all" (which Meltano passes as [all])
        types = [t.get("type") for t in prop["anyOf"] if isinstance(t, dict)]
        types = ["array"] if "array" in types else types
    (json_type,) = [x for x in types if x != "null"] or [None]
    return {"string": "string", "boolean": "boolean", "integer": "integer", "array": "array"}.get(
        json_type, json_type
    )


DEFINITIONS = {
    "meltano.yml": (
        meltano_extractor,
        {
            "api_key",
            "account_id",
            "account_ids",
            "start_date",
            "api_url",
            "capture_changes",
            "max_requests_per_second",
        },
    ),
    "hub": (lambda: yaml.safe_load(HUB.read_text()), set(tap_settings())),
}


@pytest.mark.parametrize("where", sorted(DEFINITIONS))
def test_settings_match_the_tap(where):
    load, must_have = DEFINITIONS[where]
    definition = load()
    settings = {s["name"]: s for s in definition["settings"]}
    tap = tap_settings()
    assert must_have <= set(settings), f"{where} lacks {must_have - set(settings)}"
    assert set(settings) <= set(tap), f"{where} has settings the tap lacks"
    for name, setting in settings.items():
        assert setting["kind"] == expected_kind(name, tap[name]), name
        assert bool(setting.get("sensitive")) == bool(tap[name].get("secret")), name
        if "default" in tap[name] and "value" in setting:
            assert setting["value"] == tap[name]["default"], name
    required = TapStripeReadonly.config_jsonschema["required"]
    assert definition["settings_group_validation"] == [required]


@pytest.mark.parametrize("where", sorted(DEFINITIONS))
def test_capabilities_match_the_tap(where):
    definition = DEFINITIONS[where][0]()
    assert sorted(definition["capabilities"]) == sorted(
        str(c) for c in TapStripeReadonly.capabilities
    )


def test_hub_definition_names_the_plugin():
    hub = yaml.safe_load(HUB.read_text())
    extractor = meltano_extractor()
    for key in ("name", "namespace", "executable"):
        assert hub[key] == extractor[key]
    for key in ("variant", "pip_url", "repo", "label", "description"):
        assert hub[key], key


README = (ROOT / "README.md").read_text()


@pytest.mark.parametrize("stream", STREAM_TYPES, ids=[s.name for s in STREAM_TYPES])
def test_readme_and_hub_list_every_stream(stream):
    (row,) = [line for line in README.splitlines() if line.startswith(f"| `{stream.name}` |")]
    endpoint = stream.path.split("{")[0]
    assert endpoint in row and stream.permission.name in row and stream.permission.label in row
    hub = yaml.safe_load(HUB.read_text())
    assert stream.name in hub["usage"]
    assert stream.permission.label in hub["settings_preamble"]


def test_the_hub_s_key_guidance_names_every_permission():
    # As the tap's own description and the README do: "only the core ones" would leave the
    # other streams out of a key made by the Hub's words.
    hub = yaml.safe_load(HUB.read_text())
    (api_key,) = [s for s in hub["settings"] if s["name"] == "api_key"]
    for label in KEY_PERMISSIONS:
        assert re.search(rf"\b{re.escape(label)}\b", api_key["description"]), label
        assert label in README
    assert "everything else at None" in api_key["description"]


SDK_SETTINGS = {*STREAM_MAPS_CONFIG["properties"], *FLATTENING_CONFIG["properties"]}


@pytest.mark.parametrize("setting", sorted(set(tap_settings()) - SDK_SETTINGS))
def test_readme_lists_every_setting(setting):
    assert f"| `{setting}` |" in README


@pytest.mark.parametrize("where", sorted(DEFINITIONS))
def test_select_leaves_out_only_what_the_tap_does_not_select_by_default(where):
    definition = DEFINITIONS[where][0]()
    unselected = sorted(s.name for s in STREAM_TYPES if not s.selected_by_default)
    assert definition["select"] == ["*.*", *(f"!{name}.*" for name in unselected)]
