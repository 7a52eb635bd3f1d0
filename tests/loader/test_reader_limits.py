"""The strict reader's bounds: control characters, nesting depth, recursive aliases, alias bombs, tags, size."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.errors import ConfigError
from archsim.loader import parse_yaml, read_yaml, reader
from archsim.loader.reader import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES


def _bomb(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + f"\nx: *a{levels - 1}\n"


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07", "\x7f", "\ufffe"])
def test_control_characters_are_one_line_errors(char: str) -> None:
    with pytest.raises(ConfigError, match=r"^f\.yaml:3: invalid YAML: the character #x[0-9a-f]{4} is not allowed"):
        parse_yaml(f"version: 1\nname: x\ndescription: a{char}b\n", "f.yaml")


def test_control_character_on_the_first_line_is_caught_where_the_loader_is_created() -> None:
    with pytest.raises(ConfigError, match=r"^f\.yaml:1: invalid YAML: the character #x0000"):
        parse_yaml("\x00version: 1\n", "f.yaml")


def test_nesting_limit_in_flow_and_block_style() -> None:
    parse_yaml("x: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n", "ok.yaml")
    with pytest.raises(ConfigError, match=rf"^deep\.yaml:1: nesting deeper than {MAX_DEPTH} levels"):
        parse_yaml("x: " + "[" * 900 + "]" * 900 + "\n", "deep.yaml")
    block = "".join("  " * i + f"k{i}:\n" for i in range(900)) + "  " * 900 + "v: 1\n"
    with pytest.raises(ConfigError, match=r"nesting deeper than"):
        parse_yaml(block, "deep.yaml")


def test_nesting_through_aliases_is_counted_after_expansion() -> None:
    lines = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [[*a{i - 1}]]" for i in range(1, 40)]
    with pytest.raises(ConfigError, match=r"nesting deeper than 64 levels \(after expanding aliases\)"):
        parse_yaml("\n".join(lines) + "\n", "alias-deep.yaml")


@pytest.mark.parametrize("text", ["x: &a [*a]\n", "x: &a {k: *a}\n", "x: &a [1, [2, *a]]\n"])
def test_recursive_alias(text: str) -> None:
    with pytest.raises(ConfigError, match=r"^r\.yaml:1: an alias refers to its own anchor"):
        parse_yaml(text, "r.yaml")


def test_billion_laughs_is_refused_before_expansion(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_construction(*args: object) -> None:
        raise AssertionError("the document was expanded before the size check")

    monkeypatch.setattr(reader, "_construct", no_construction)
    with pytest.raises(ConfigError, match=rf"^bomb\.yaml:\d+: the aliases expand to more than {MAX_VALUES:,} values"):
        parse_yaml(_bomb(9), "bomb.yaml")


def test_merge_key_bomb_is_refused() -> None:
    lines = ["m0: &m0 {" + ", ".join(f"k{j}: {j}" for j in range(9)) + "}"]
    for i in range(1, 9):
        lines.append(f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * 9) + "]}")
    with pytest.raises(ConfigError, match="the aliases expand to more than"):
        parse_yaml("\n".join(lines) + "\n", "merge-bomb.yaml")


def test_small_alias_use_still_works() -> None:
    data, _ = parse_yaml(_bomb(3, width=3), "ok.yaml")
    assert len(data["x"]) == 3 and data["x"][0][0] == ["lol"] * 3


@pytest.mark.parametrize("text, tag, what", [
    ("x: !!python/object/apply:os.system [16, 16]\n", "!!python/object/apply:os.system", "list"),
    ("x: !foo {a: 1}\n", "!foo", "mapping"),
    ("x: !!set {a, b}\n", "!!set", "mapping"),
    ("x: !!omap [{a: 1}]\n", "!!omap", "list"),
    ("x:\n  - !!python/object:os.system {}\n", "!!python/object:os.system", "mapping"),
])
def test_tags_on_collections_are_refused(text: str, tag: str, what: str) -> None:
    with pytest.raises(ConfigError, match=rf"^t\.yaml:\d+: YAML tag '{tag}' on a {what} is not supported"):
        parse_yaml(text, "t.yaml")


def test_scalar_tags_keep_safe_load_meaning() -> None:
    data, _ = parse_yaml("a: !!str 12\nb: !!float '3'\n", "s.yaml")
    assert data == {"a": "12", "b": 3.0}
    with pytest.raises(ConfigError, match=r"^s\.yaml:1: invalid YAML: could not determine a constructor for the tag '!foo'"):
        parse_yaml("a: !foo 12\n", "s.yaml")
    with pytest.raises(ConfigError, match=r"invalid YAML: could not determine a constructor"):
        parse_yaml("a: !!python/name:os.system ''\n", "s.yaml")


def test_complex_keys_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"^k\.yaml:1: \(top level\): a mapping key must be a scalar, got a list"):
        parse_yaml("? [a, b]\n: 1\n", "k.yaml")


def test_file_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"big\.yaml: the file has [\d,]+ bytes, more than the 1,048,576"):
        read_yaml(big)
    with pytest.raises(ConfigError, match=r"more than the 1,048,576 archsim reads"):
        parse_yaml(big.read_text(encoding="utf-8"), "big.yaml")


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "latin1.yaml"
    p.write_bytes(b"version: 1\nname: caf\xe9\n")
    with pytest.raises(ConfigError, match=r"latin1\.yaml:2: cannot read the file: it is not UTF-8 text \(byte 0xe9"):
        read_yaml(p)


def test_special_files_and_directories(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected a YAML file, got a directory"):
        read_yaml(tmp_path)
    with pytest.raises(ConfigError, match="expected a YAML file, got a special file"):
        read_yaml("/dev/null")
