"""NAME and --control validation: every name of the generated project comes from here."""

from __future__ import annotations

import pytest

from scorekeeper.kit.naming import NamingError, check_control_id, control_id_for, names_for


def test_one_name_gives_every_other_name() -> None:
    names = names_for("kit-demo")
    assert names.dist == "scorekeeper-m365-kit-demo"
    assert names.package == "scorekeeper_kit_demo"
    assert names.control_id == "KitDemo"
    assert names.entry_point == "kit-demo"
    assert names.endpoint == "/kitDemoPolicy"
    assert names.package.isidentifier()


def test_control_option_overrides_the_derived_id() -> None:
    assert names_for("mfa", "AdminMFAV2").control_id == "AdminMFAV2"


@pytest.mark.parametrize(("name", "expected"), [("pwage", "Pwage"), ("a2-b", "A2B"), ("x-y-z", "XYZ")])
def test_default_control_id_is_the_words_capitalised(name: str, expected: str) -> None:
    assert control_id_for(name) == expected


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "empty"),
        ("Kit", "lower-case"),
        ("kit_demo", "try 'kit-demo'"),
        ("kit--demo", "single hyphens"),
        ("-kit", "starting with a letter"),
        ("kit-", "single hyphens"),
        ("2fa", "starting with a letter"),
        ("kit.demo", "try 'kit-demo'"),
        ("scorekeeper-kit", "without the 'scorekeeper-' prefix"),
        ("scorekeeper-m365-kit", "without the 'scorekeeper-m365-' prefix"),
        ("k" * 41, "longer than 40"),
    ],
)
def test_bad_names_are_refused_with_what_to_type(name: str, words: str) -> None:
    with pytest.raises(NamingError) as caught:
        names_for(name)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message


@pytest.mark.parametrize("control_id", ["", "1Control", "My-Control", "my control", "X" * 101])
def test_bad_control_ids_are_refused(control_id: str) -> None:
    with pytest.raises(NamingError, match="--control"):
        check_control_id(control_id)


@pytest.mark.parametrize("control_id", ["SelfServicePasswordReset", "PWAgePolicyNew", "mfa_v2"])
def test_secure_score_style_ids_are_accepted(control_id: str) -> None:
    assert check_control_id(control_id) == control_id
