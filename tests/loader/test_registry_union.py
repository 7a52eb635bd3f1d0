"""Registry-based tagged unions: a class registered at run time (here, from this test module) becomes loadable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pytest

from archsim.errors import ConfigError
from archsim.loader import build_dataclass
from archsim.registry import Registry, kinds_of


@dataclass(frozen=True, kw_only=True)
class Shape:
    KINDS: ClassVar[Registry[type]] = Registry("shape")
    kind: str = "square"


@Shape.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class Square(Shape):
    kind: str = "square"
    side_um: float = 1.0


@dataclass(frozen=True, kw_only=True)
class Holder:
    shape: Shape = field(default_factory=Square)


def test_registered_subclass_is_selected_by_kind():
    @dataclass(frozen=True, kw_only=True)
    class Circle(Shape):
        kind: str = "circle"
        radius_um: float = 1.0

    Shape.KINDS.register_class(Circle)
    try:
        held = build_dataclass({"shape": {"kind": "circle", "radius_um": "2 mm"}}, Holder, "t.yaml")
        assert held.shape == Circle(radius_um=2000.0)
        # without kind: the kind of the field's default
        assert build_dataclass({"shape": {"side_um": 3}}, Holder, "t.yaml").shape == Square(side_um=3.0)
    finally:
        Shape.KINDS.unregister("circle")
    with pytest.raises(ConfigError, match=r"t\.yaml: shape\.kind: unknown kind 'circle'; valid kinds: square"):
        build_dataclass({"shape": {"kind": "circle"}}, Holder, "t.yaml")


def test_unknown_key_of_a_registered_member():
    with pytest.raises(ConfigError, match=r"shape: unknown key 'sid_um' \(did you mean 'side_um'\?\)"):
        build_dataclass({"shape": {"kind": "square", "sid_um": 1}}, Holder, "t.yaml")


def test_a_subclass_is_no_union_itself():
    assert kinds_of(Shape) is Shape.KINDS
    assert kinds_of(Square) is None  # KINDS is inherited, but only the declaring base is a union


def test_registry_lookup_errors():
    reg: Registry[int] = Registry("widget")
    reg.register("alpha", 1)
    with pytest.raises(ConfigError, match=r"unknown widget 'alpah' \(did you mean 'alpha'\?\)"):
        reg["alpah"]
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("alpha", 2)
    assert reg.names() == ("alpha",) and "alpha" in reg and reg.get("beta") is None
