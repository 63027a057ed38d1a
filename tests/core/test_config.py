"""Config validation: every invalid value gets a precise message, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorekeeper.config.model import ConfigError, load_config, parse_config


def problems(data: dict, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, None, data_dir=tmp_path)
    return caught.value.problems


def test_no_config_gives_the_demo_tenant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCOREKEEPER_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config = load_config(None, data_dir=tmp_path)
    assert list(config.tenants) == ["demo"]
    demo = config.tenants["demo"]
    assert demo.simulator and demo.state == tmp_path / "simulator" / "demo.json"


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    data = {
        "tenants": {
            "a": {"auth": "client-secret", "tenant_id": "t"},
            "b": {"auth": "magic"},
            "c": {"auth": "static", "token": "x"},
            "d": {"auth": "client-secret", "tenant_id": "t", "client_id": "c", "client_secret": "hunter2"},
            "e": {"auth": "default", "graph_url": "http://graph.example.com"},
            "f": {"auth": "default", "colour": "red"},
        },
        "exceptions": [{"control": "X", "setting": "y", "reason": "ok", "expires": "soon"}],
        "scorekeeper": {"concurrency": 0},
        "surprise": {},
    }
    found = problems(data, tmp_path)
    expected = [
        "surprise: unknown section (expected one of controls, exceptions, groups, history, notifications, partner, "
        "remediation, reports, scorekeeper, templates, tenants)",
        "tenants.a: auth = 'client-secret' needs client_id",
        "tenants.b.auth: Input should be 'client-secret', 'certificate', 'managed-identity', 'workload-identity', "
        "'device-code', 'interactive', 'azure-cli', 'default' or 'static'",
        "tenants.c: auth = 'static' is refused unless graph_url and portal_url are both loopback",
        "tenants.d: client_secret must not be written in the config file: use client_secret_env or client_secret_file",
        "tenants.d: auth = 'client-secret' needs client_secret_env or client_secret_file",
        "tenants.e.graph_url: plain http is allowed only on loopback (127.0.0.1, localhost, ::1)",
        "tenants.f.colour: unknown key (check the spelling)",
        "exceptions[0].reason: String should have at least 3 characters",
        "exceptions[0].expires: Input should be a valid date or datetime, input is too short",
        "scorekeeper.concurrency: Input should be greater than or equal to 1",
    ]
    assert found == expected


def test_static_auth_on_loopback_is_accepted(tmp_path: Path) -> None:
    tenant = {
        "auth": "static",
        "token": "x",
        "graph_url": "http://127.0.0.1:8765",
        "portal_url": "http://127.0.0.1:8765/api",
    }
    config = parse_config({"tenants": {"lab": tenant}}, None, data_dir=tmp_path)
    assert config.tenants["lab"].graph_url == "http://127.0.0.1:8765"


def test_exception_for_unknown_tenant_is_reported(tmp_path: Path) -> None:
    rule = {"tenant": "nope", "control": "X", "setting": "y", "reason": "because", "expires": "2030-01-01"}
    assert problems({"exceptions": [rule]}, tmp_path) == ["exceptions[0].tenant: unknown tenant 'nope'"]


def test_unreadable_or_invalid_files_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml", data_dir=tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("[tenants.a\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad, data_dir=tmp_path)


def test_unknown_tenant_names_the_closest_ones_never_the_whole_list(tmp_path: Path) -> None:
    config = parse_config({}, None, data_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"unknown tenant 'x': none of the 1 configured tenant\(s\) is close"):
        config.tenant("x")
    many = parse_config(
        {"tenants": {f"customer{i:02d}": {"simulator": True} for i in range(30)}}, None, data_dir=tmp_path
    )
    with pytest.raises(ConfigError) as caught:
        many.tenant("customr07")
    assert "did you mean 'customer07'" in str(caught.value) and "customer29" not in str(caught.value)


def test_demo_joins_only_a_config_with_no_other_tenant(tmp_path: Path) -> None:
    """Issue 28: a config with real tenants never lists the simulated demo; it is still there by name."""
    assert parse_config({}, None, data_dir=tmp_path).select_tenants(all_tenants=True) == ["demo"]
    real = parse_config(
        {"tenants": {"acme": {"simulator": True}}, "groups": {"gold": {"tenants": ["acme"]}}}, None, data_dir=tmp_path
    )
    assert real.select_tenants(all_tenants=True) == ["acme"] and list(real.tenants) == ["acme"]
    assert real.select_tenants(required=False) == ["acme"] and real.select_tenants(groups=["gold"]) == ["acme"]
    assert real.select_tenants(["demo"]) == ["demo"] and real.tenant("demo").simulator
    with pytest.raises(ConfigError) as caught:
        real.select_tenants(["acmee"])
    assert "did you mean 'acme'" in str(caught.value) and "demo" not in str(caught.value)
    # History may name a tenant no longer configured; any other name is refused (exit 2).
    assert real.select_tenants(["old"], configured_only=False, in_history=["old"]) == ["old"]
    with pytest.raises(ConfigError):
        real.select_tenants(["acmee"], configured_only=False, in_history=["old", "acme"])


def test_typos_name_what_was_meant(tmp_path: Path) -> None:
    data = {
        "tenant": {},
        "tenants": {
            "a": {"auth": "client-secrets", "tenant_id": "t", "client_id": "c", "client_secret_env": "X"},
            "b": {"auth": "default", "client_secret_envv": "X"},
        },
    }
    found = problems(data, tmp_path)
    assert "tenant: unknown section (did you mean 'tenants'?)" in found[0]
    assert found[1].startswith("tenants.a.auth: Input should be") and found[1].endswith(
        "(did you mean 'client-secret'?)"
    )
    assert found[2] == "tenants.b.client_secret_envv: unknown key (did you mean 'client_secret_env'?)"


@pytest.mark.parametrize(
    ("key", "url", "fragment"),
    [
        ("graph_url", "https://graph.evil.example", "is not a Microsoft Graph endpoint"),
        ("portal_url", "https://portal.evil.example/api", "is not the Azure portal's API"),
        ("portal_url", "http://127.0.0.1:9/api", "accepted only with auth or portal_auth = 'static'"),
    ],
)
def test_tokens_go_only_to_microsoft_hosts_or_a_loopback_simulator(
    tmp_path: Path, key: str, url: str, fragment: str
) -> None:
    found = problems({"tenants": {"a": {"auth": "managed-identity", key: url}}}, tmp_path)
    assert len(found) == 1 and fragment in found[0], found


@pytest.mark.parametrize(
    "host", ["graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn"]
)
def test_national_cloud_graph_hosts_are_accepted(tmp_path: Path, host: str) -> None:
    config = parse_config(
        {"tenants": {"a": {"auth": "managed-identity", "graph_url": f"https://{host}"}}}, None, data_dir=tmp_path
    )
    assert config.tenants["a"].graph_url == f"https://{host}"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        ("[tenants.a]\n".encode("utf-16"), "UTF-16"),
        (b'[tenants.a]\nx = "\xff\xfe\xfa"\n', "not UTF-8"),
        (b"a = " + b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
        (b"a = " + b"{b = " * 3000 + b"1" + b"}" * 3000, "nested too deeply"),
    ],
)
def test_files_that_are_not_toml_text_are_one_problem(tmp_path: Path, raw: bytes, fragment: str) -> None:
    path = tmp_path / "junk.toml"
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as caught:
        load_config(path, data_dir=tmp_path)
    assert len(caught.value.problems) == 1 and fragment in caught.value.problems[0]
