"""Registries: the extension points of archsim (device models, layer kinds, component models, report sections, ...).

A :class:`Registry` maps names to entries of one kind. Code that needs "the implementation for X" looks X up in a
registry instead of an ``if``/``elif`` ladder, so adding a device model or a layer kind is one new module that
registers itself (or a test that registers a toy entry) and no edit anywhere else.

A registry of dataclasses can serve as a tagged union for the strict loader: a config base class that carries
``KINDS: ClassVar[Registry[type]]`` makes every field typed with that base class accept ``kind: <name>`` for every
registered subclass (:mod:`archsim.loader.build`). :meth:`Registry.register_class` registers a dataclass under the
default of its ``kind`` field.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from archsim.errors import ConfigError

T = TypeVar("T")
C = TypeVar("C", bound=type)


class Registry(Generic[T]):
    """Named entries of one kind, in registration order."""

    def __init__(self, what: str) -> None:
        """Args:
        what: what an entry is, for messages ("device model", "layer kind").
        """
        self.what = what
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T, *, replace: bool = False) -> T:
        """Add ``entry`` under ``name`` and return it.

        Raises:
            ValueError: if ``name`` is taken and ``replace`` is false (two definitions of one name are a bug).
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.what}: a registry name must be a non-empty string, got {name!r}")
        if name in self._entries and not replace and self._entries[name] is not entry:
            raise ValueError(f"{self.what} {name!r} is registered twice")
        self._entries[name] = entry
        return entry

    def register_class(self, cls: C) -> C:
        """Register a dataclass under the default of its ``kind`` field (usable as a class decorator)."""
        tags = [f.default for f in dataclasses.fields(cls) if f.name == "kind" and isinstance(f.default, str)]
        if not tags:
            raise ValueError(f"{self.what}: {cls.__name__} has no 'kind' field with a string default")
        self.register(tags[0], cls)  # type: ignore[arg-type]
        return cls

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests that register toy entries clean up with this)."""
        self._entries.pop(name, None)

    def __getitem__(self, name: str) -> T:
        """The entry called ``name``.

        Raises:
            ConfigError: for an unknown name, with the closest match and the valid names.
        """
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            close = difflib.get_close_matches(str(name), list(self._entries), n=1)
            raise ConfigError(f"unknown {self.what} {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
                              hint=f"valid {self.what}s: " + ", ".join(self._entries)) from None

    def get(self, name: str) -> T | None:
        """The entry called ``name``, or None."""
        return self._entries.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> tuple[str, ...]:
        """Registered names in registration order."""
        return tuple(self._entries)

    def items(self) -> tuple[tuple[str, T], ...]:
        """``(name, entry)`` pairs in registration order."""
        return tuple(self._entries.items())

    def decorator(self, name: str) -> Callable[[T], T]:
        """``@registry.decorator("name")`` registers the decorated object under ``name``."""
        def wrap(entry: T) -> T:
            return self.register(name, entry)
        return wrap


def kinds_of(tp: object) -> Registry[type] | None:
    """The ``KINDS`` registry a config base class declares for registry-based tagged unions, or None."""
    if not isinstance(tp, type):
        return None
    registry = tp.__dict__.get("KINDS")
    return registry if isinstance(registry, Registry) else None
