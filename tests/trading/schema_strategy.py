"""Hypothesis strategies from a JSON schema: the subset pydantic emits for the alert payload.

Handles ``type`` (string with ``pattern``/``minLength``/``maxLength``, number and integer with
bounds, boolean, null), ``enum``, ``anyOf``, ``format: date-time`` and objects with
``properties`` and ``required``. Anything else raises, so a schema change cannot silently
narrow the fuzzing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that satisfy ``schema``."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "anyOf" in schema:
        return st.one_of(*(from_schema(option) for option in schema["anyOf"]))
    kind = schema.get("type")
    simple: dict[str, st.SearchStrategy[Any]] = {"boolean": st.booleans(), "null": st.none()}
    if kind in simple:
        return simple[kind]
    if kind == "object":
        return _object(schema)
    if kind == "string":
        return _string(schema)
    if kind in ("number", "integer"):
        return _number(schema, integer=kind == "integer")
    raise NotImplementedError(f"schema not handled by the fuzzer: {schema}")


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if schema.get("format") == "date-time":
        moments = st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
        )
        return moments.map(lambda moment: moment.isoformat())
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 50))


def _number(schema: dict[str, Any], *, integer: bool) -> st.SearchStrategy[Any]:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if integer:
        return st.integers(None if low is None else int(low), None if high is None else int(high))
    return st.floats(
        min_value=low,
        max_value=high,
        exclude_min="exclusiveMinimum" in schema,
        exclude_max="exclusiveMaximum" in schema,
        allow_nan=False,
    )


def _object(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries(
        {name: from_schema(properties[name]) for name in properties if name in required},
        optional={
            name: from_schema(prop) for name, prop in properties.items() if name not in required
        },
    )
