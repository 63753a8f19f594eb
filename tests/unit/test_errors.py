"""binfolio.errors: one exception root, and the tree drawn in its docstring is the tree in code."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import binfolio
import binfolio.errors
from binfolio.errors import BinfolioError

_BRANCH = re.compile(r"[├└]── (\w+)")
# Not part of the product's tree: the fake server's errors, and modules that act on import.
_SKIPPED = ("binfolio.simulator", "binfolio.__main__", "binfolio.adapters.storage.migrations")


def drawn_parents() -> dict[str, str]:
    """Class name → its parent's name, read from the box drawing of ``binfolio.errors``."""
    doc = binfolio.errors.__doc__ or ""
    lines = doc[doc.index("    BinfolioError") :].split("\n\n")[0].splitlines()
    root_column = lines[0].index("BinfolioError")
    path = ["BinfolioError"]
    parents: dict[str, str] = {}
    for line in lines[1:]:
        match = _BRANCH.search(line)
        if match is None:
            continue  # a description's second line
        depth = (match.start() - root_column) // 4 + 1
        path = [*path[:depth], match.group(1)]
        parents[match.group(1)] = path[depth - 1]
    return parents


def exception_classes() -> list[type[BaseException]]:
    """Every exception class defined in binfolio's modules (imports them all)."""
    found: list[type[BaseException]] = []
    for info in pkgutil.walk_packages(binfolio.__path__, "binfolio."):
        if info.name.startswith(_SKIPPED):
            continue
        module = importlib.import_module(info.name)
        found += [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, BaseException)
            and value.__module__ == info.name
        ]
    return found


def test_every_binfolio_error_is_drawn_under_its_parent() -> None:
    parents = drawn_parents()
    ours = [
        c for c in exception_classes() if issubclass(c, BinfolioError) and c is not BinfolioError
    ]

    assert len(ours) >= 20
    for cls in ours:
        assert cls.__name__ in parents, f"{cls.__module__}.{cls.__name__} is not drawn"
        bases = [base.__name__ for base in cls.__bases__]
        assert parents[cls.__name__] in bases, f"{cls.__name__} derives from {bases}"


def test_every_drawn_class_derives_from_its_drawn_parent() -> None:
    classes = exception_classes()

    for name, parent in drawn_parents().items():
        named = [c for c in classes if c.__name__ == name]
        assert named, f"{name} is drawn but defined nowhere"
        assert any(parent in [b.__name__ for b in c.__bases__] for c in named), name


def test_domain_errors_are_still_value_errors_for_code_that_catches_those() -> None:
    from binfolio.domain.money import MoneyParseError, to_decimal

    with pytest.raises(ValueError, match="not a decimal") as caught:
        to_decimal("lots")

    assert isinstance(caught.value, MoneyParseError)
    assert isinstance(caught.value, BinfolioError)
