"""Specifications of the quick check compiled from the schemas: it may only ever say "valid"
where marshmallow says so too, and it does say so for the records tablets really send."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields

from sync.schemas import _CHILD_SCHEMAS, _SCHEMAS, CHILD_COLLECTIONS, RECORD_TYPES
from sync.schemas.quick_check import compile_schema
from sync.vocabulary import VOCABULARIES
from tests.sync.examples import EXAMPLES

ALL_SCHEMAS = {**{(name, ""): schema for name, schema in _SCHEMAS.items()}, **_CHILD_SCHEMAS}


def marshmallow_accepts(schema: Schema, data: Any, partial: bool) -> bool:
    try:
        schema.load(data, partial=tuple(schema.fields) if partial else None)
    except ValidationError:
        return False
    return True


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON value where another value could stand."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths(inner, (*prefix, index))
    return found


DELETE = object()


def replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    if new is DELETE and not rest:
        copy.pop(head)  # a key of an object, an index of a list
    else:
        copy[head] = replaced(value[head], rest, new)
    return copy


CODES = [code.value for vocabulary in VOCABULARIES.values() for code in vocabulary]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    | st.sampled_from([*CODES, "", "  ", "2026-11-26", "2026-02-30", "2026-W53",
                       "2026-11-26T09:30:00+08:00", "13805311234", "x" * 600]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6,
)


@pytest.mark.parametrize("key", sorted(ALL_SCHEMAS), ids="/".join)
def test_every_record_and_child_schema_compiles(key):
    assert compile_schema(ALL_SCHEMAS[key]) is not None


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_a_valid_record_passes_the_quick_check(record_type):
    quick = compile_schema(_SCHEMAS[record_type])

    assert quick(EXAMPLES[record_type](), False)


@pytest.mark.parametrize("record_type", [t for t in RECORD_TYPES if CHILD_COLLECTIONS[t]])
def test_a_valid_child_entry_passes_the_quick_check(record_type):
    record = EXAMPLES[record_type]()
    for collection in CHILD_COLLECTIONS[record_type]:
        quick = compile_schema(_CHILD_SCHEMAS[(record_type, collection)])
        for entry in record.get(collection, []):
            assert quick(entry, False), (collection, entry)


def test_a_missing_required_field_fails_a_whole_record_but_not_a_partial_update():
    quick = compile_schema(_SCHEMAS["dispute"])
    record = EXAMPLES["dispute"]()
    del record["category"]

    assert not quick(record, False)
    assert quick({"status": "mediating"}, True)


def test_a_cross_field_rule_is_part_of_the_quick_check():
    quick = compile_schema(_CHILD_SCHEMAS[("visit", "requests")])
    request = {"id": "r", "service_class": "living", "summary": "漏水",
               "problem_list": "fix_by_deadline"}

    assert not quick(request, False)
    assert quick({**request, "due_date": "2026-12-03"}, False)


def test_a_schema_with_a_field_type_it_does_not_know_is_left_to_marshmallow():
    class WithUrl(Schema):
        link = fields.Url()

    assert compile_schema(WithUrl()) is None


@settings(max_examples=400, deadline=None)
@given(data=st.data(), record_type=st.sampled_from(RECORD_TYPES), partial=st.booleans())
def test_whatever_the_quick_check_passes_marshmallow_passes(data, record_type, partial):
    record = EXAMPLES[record_type]()
    path = data.draw(st.sampled_from(paths(record)))
    new = data.draw(st.just(DELETE) | json_values)
    changed = replaced(record, path, new)
    schema = _SCHEMAS[record_type]

    if compile_schema(schema)(changed, partial):
        assert marshmallow_accepts(schema, changed, partial), (path, new)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), key=st.sampled_from(sorted(_CHILD_SCHEMAS)))
def test_whatever_the_quick_check_passes_in_a_child_entry_marshmallow_passes(data, key):
    record_type, collection = key
    entries = EXAMPLES[record_type]().get(collection) or [{"id": "e"}]
    entry = entries[0]
    path = data.draw(st.sampled_from(paths(entry) or [()]))
    changed = replaced(entry, path, data.draw(st.just(DELETE) | json_values)) if path else entry
    schema = _CHILD_SCHEMAS[key]

    if compile_schema(schema)(changed, False):
        assert marshmallow_accepts(schema, changed, False), (path, changed)
