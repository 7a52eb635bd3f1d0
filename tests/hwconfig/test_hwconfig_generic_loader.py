"""The generic loader on stand-in dataclasses: every type form, tagged unions and both preset registries."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar, Literal, Union

import pytest

from archsim.errors import ConfigError
from archsim.loader import build_dataclass, load_yaml_as, parse_yaml


class Color(str, Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True, kw_only=True)
class Cat:
    kind: str = "cat"
    lives: int = 9


@dataclass(frozen=True, kw_only=True)
class Dog:
    kind: str = "dog"
    bark_ns: float = 1.0


@dataclass(frozen=True, kw_only=True)
class Engine:
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {"fast": {"power_mw": 100.0, "tags": ["a", "b"]}}
    power_mw: float = 1.0
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Hooked:
    size: int = 1
    mode: Literal["x", "y"] = "x"

    @classmethod
    def preset_names(cls) -> list[str]:
        return ["big"]

    @classmethod
    def preset_raw(cls, name: str) -> dict[str, Any]:
        return {"size": 100, "mode": "y"}


@dataclass(frozen=True, kw_only=True)
class Thing:
    name: str
    color: Color = Color.RED
    pet: Union[Cat, Dog] = field(default_factory=Cat)  # noqa: UP007 - the loader must handle typing.Union
    maybe: int | None = None
    pair: int | tuple[int, int] = 1
    weights: list[float] = field(default_factory=list)
    by_color: dict[Color, int] = field(default_factory=dict)
    engine: Engine = field(default_factory=Engine)
    hooked: Hooked = field(default_factory=Hooked)
    extra: Any = None


def build(text: str) -> Thing:
    raw, source = parse_yaml(text, "g.yaml")
    return build_dataclass(raw, Thing, source)


def test_all_type_forms() -> None:
    t = build("name: n\ncolor: BLUE\npet: {kind: dog, bark_ns: 2 us}\nmaybe: null\npair: [2, 3]\n"
              "weights: [1, 2.5, 1e-3]\nby_color: {red: 1, blue: 2}\nextra: {anything: [1]}\n")
    assert t.color is Color.BLUE
    assert t.pet == Dog(bark_ns=2000.0)
    assert t.maybe is None and t.pair == (2, 3)
    assert t.weights == [1.0, 2.5, 0.001]
    assert t.by_color == {Color.RED: 1, Color.BLUE: 2}
    assert t.extra == {"anything": [1]}


def test_class_presets_and_hook_presets() -> None:
    t = build("name: n\nengine: {preset: fast, power_mw: 5 mW}\nhooked: {preset: big, size: 7}\n")
    assert t.engine == Engine(power_mw=5.0, tags=("a", "b"))
    assert t.hooked == Hooked(size=7, mode="y")
    with pytest.raises(ConfigError, match=r"g\.yaml:2: hooked\.preset: unknown preset 'small'; valid presets: big"):
        build("name: n\nhooked: {preset: small}\n")


@pytest.mark.parametrize(("text", "pattern"), [
    ("name: n\npet: {kind: cow}\n", r"pet\.kind: unknown kind 'cow'; valid kinds: cat, dog"),
    ("name: n\npet: {kind: cat, bark_ns: 1}\n", r"pet: unknown key 'bark_ns'"),
    ("name: n\nhooked: {mode: z}\n", r"hooked\.mode: invalid value 'z'; expected one of: x, y"),
    ("name: n\nby_color: {green: 1}\n", r"by_color\.green: invalid value 'green'; expected one of: red, blue"),
    ("name: n\npair: x\n", r"pair: expected an integer, got 'x'"),
    ("name: n\nmaybe: true\n", r"maybe: expected an integer, got true \(a boolean\)"),
    ("name: n\nweights: 3\n", r"weights: expected a list, got 3"),
    ("color: red\n", r"g\.yaml:1: \(top level\): missing required key 'name'"),
])
def test_generic_errors(text: str, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        build(text)


def test_load_yaml_as_with_overrides(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("version: 1\nname: n\n", encoding="utf-8")

    @dataclass(frozen=True, kw_only=True)
    class Versioned:
        version: int
        name: str
        pet: Union[Cat, Dog] = field(default_factory=Cat)  # noqa: UP007

    v = load_yaml_as(path, Versioned, ["pet.kind=dog", "pet.bark_ns=3 ns"])
    assert v.pet == Dog(bark_ns=3.0)
    with pytest.raises(ConfigError, match=r"--set pet\.lives=x: pet\.lives: expected an integer"):
        load_yaml_as(path, Versioned, ["pet.lives=x"])
    assert load_yaml_as(path, Versioned, ["pet.lives=3"]).pet == Cat(lives=3)  # kind of the default


def test_union_without_default_needs_kind() -> None:
    @dataclass(frozen=True, kw_only=True)
    class Owner:
        pet: Union[Cat, Dog]  # noqa: UP007

    with pytest.raises(ConfigError, match=r"o: pet: missing key 'kind' that selects the type; valid kinds: cat, dog"):
        build_dataclass({"pet": {"lives": 1}}, Owner, "o")
