"""field_changes: the fields a plan item moves, as the CLI and TUI show them."""

from __future__ import annotations

from scorekeeper.domain.diff import MISSING, FieldChange, field_changes


def test_only_the_fields_that_differ_are_listed_with_dotted_paths() -> None:
    before = {"state": "default", "targets": {"id": "all_users", "days": 14}, "kept": 1}
    after = {"state": "enabled", "targets": {"id": "all_users", "days": 1}}

    assert field_changes(before, after) == [
        FieldChange("state", "default", "enabled"),
        FieldChange("targets.days", 14, 1),
    ]


def test_a_field_the_desired_value_leaves_out_is_not_a_change_but_a_new_one_is() -> None:
    assert field_changes({"a": 1, "b": 2}, {"a": 1}) == []
    assert field_changes({"a": 1}, {"a": 1, "c": [1]}) == [FieldChange("c", MISSING, [1])]


def test_scalars_lists_and_creations_compare_whole() -> None:
    assert field_changes(True, False) == [FieldChange("", True, False)]
    assert field_changes(["x", "y"], ["y", "x"]) == [FieldChange("", ["x", "y"], ["y", "x"])]
    assert field_changes(None, {"state": "on"}) == [FieldChange("", None, {"state": "on"})]
    assert field_changes({"a": 1}, {"a": 1}) == []
