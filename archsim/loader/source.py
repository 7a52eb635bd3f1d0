"""Where raw configuration values came from: file name, the line of every YAML path, ``--set`` overrides.

Every loader error names its place through :class:`Source` (``file:line``) and :func:`dotted` (the YAML path), so
that a message reads ``hwconfigs/x.yaml:14: tile.adc: unknown key 'bitz' (did you mean 'bits'?)``.
"""

from __future__ import annotations

from typing import Any

from archsim.errors import ArchsimError, ConfigError

Path_ = tuple[Any, ...]
"""A YAML path: keys and list indices from the document root."""


class Source:
    """Where raw values came from: a file name plus the line of every YAML path, and ``--set`` overrides."""

    def __init__(self, name: str, lines: dict[Path_, int] | None = None) -> None:
        self.name = name
        """File name (or any label) used in messages."""
        self.lines: dict[Path_, int] = dict(lines or {})
        """YAML path (tuple of keys / indices) → 1-based line."""
        self.overrides: dict[Path_, str] = {}
        """YAML path → the ``--set`` text that set it."""
        self.files: dict[Path_, str] = {}
        """YAML path → the file it came from, for values inherited from another file (``extends:``)."""

    def where(self, path: Path_) -> str:
        """``file:line`` of ``path`` (or of its nearest ancestor), or ``--set ...`` for an override."""
        below = [text for p, text in self.overrides.items() if len(p) > len(path) and p[:len(path)] == tuple(path)]
        if len(below) == 1:
            return f"{self.name}: --set {below[0]}"
        for n in range(len(path), -1, -1):
            prefix = tuple(path[:n])
            if prefix in self.overrides:
                return f"{self.name}: --set {self.overrides[prefix]}"
            if prefix in self.lines:
                return f"{self.files.get(prefix, self.name)}:{self.lines[prefix]}"
        return self.name


def dotted(path: Path_) -> str:
    """``('tile', 'adc', 'bits')`` → ``tile.adc.bits``; list indices as ``[i]``."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def located_error(source: Source, path: Path_, message: str, hint: str | None = None,
                  cls: type[ArchsimError] = ConfigError) -> ArchsimError:
    """An error whose message starts with the place of ``path`` in ``source`` and the dotted path."""
    return cls(f"{source.where(path)}: {dotted(path)}: {message}", hint=hint)


def describe(value: Any, *, mapping: str = "a mapping") -> str:
    """A short description of a raw value for error messages (``'abc' (a string)``, ``a mapping``).

    ``mapping`` names a dict in the vocabulary of the file format (``an object`` for JSON).
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return mapping
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})" if not isinstance(value, str) else f"{text} (a string)"
