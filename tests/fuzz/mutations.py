"""Hypothesis strategies that mutate a bundled YAML file, and the oracle that judges what archsim did with it.

A mutation is either a change of the parsed tree (replace a value, delete a key, add an unknown key, rename a key,
change a ``kind``), written back as YAML, or a change of the text (a control character, a truncation, a tag, an
alias bomb, deep nesting, a duplicated or deleted line, a flipped character). The oracle accepts two outcomes:

* exit status 1 with exactly one ``archsim: error:`` line that names the file;
* exit status 0 for a file that is genuinely valid: ``yaml.safe_load`` reads the same data from it as archsim's
  reader, and a value the mutation set is present in the loaded configuration with that value (a key added,
  renamed or replaced was not silently dropped or replaced by a default).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import yaml
from hypothesis import strategies as st

from archsim.loader import parse_yaml, to_raw

Path_ = tuple[Any, ...]

_WORDS = ["bits", "latency_ns", "area_um2", "kind", "preset", "n_tiles", "name", "layers", "chip", "zzz", "x" * 40]

#: Values a mutation puts in place of a value: wrong types, out-of-range and odd numbers, unit strings, nesting.
WEIRD_VALUES = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 1, 2, 3, 7, 64, 1 << 20, 1 << 31, 10**18]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.5, 1e-300, 1e300, 1e30]),
    st.text(max_size=12),
    st.sampled_from(["80 ns", "2 parsecs", "1e-3", "0x10", "yes", "on", "~", "12 mW", "-5 pJ", "64 KiB", "1e999",
                     "soft_bounds", "mesh", "linear", "conv2d", "ReRamSBPreset", "", " ", "\t", "\x00"]),
    st.lists(st.integers(min_value=-3, max_value=300), max_size=3),
    st.dictionaries(st.sampled_from(_WORDS), st.integers(min_value=-2, max_value=9), max_size=2),
    st.just([[[[[[[[1]]]]]]]]),
)


def paths_of(value: Any, path: Path_ = ()) -> list[Path_]:
    """Every path of a raw tree (mapping keys and list indices), the root excluded."""
    out: list[Path_] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(path + (k,))
            out.extend(paths_of(v, path + (k,)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append(path + (i,))
            out.extend(paths_of(v, path + (i,)))
    return out


def get(tree: Any, path: Path_) -> Any:
    for part in path:
        tree = tree[part]
    return tree


_MISSING = object()


def lookup(tree: Any, path: Path_) -> Any:
    """The value at ``path``, or ``_MISSING``."""
    for part in path:
        if isinstance(tree, dict) and part in tree:
            tree = tree[part]
        elif isinstance(tree, list) and isinstance(part, int) and 0 <= part < len(tree):
            tree = tree[part]
        else:
            return _MISSING
    return tree


@dataclass
class Case:
    """One mutated file."""

    text: str
    what: str
    """A description for failure messages."""
    set_path: Path_ | None = None
    """The path a tree mutation set (checked for presence when the file is accepted)."""
    value: Any = None


def _dump(tree: Any) -> str:
    return yaml.safe_dump(tree, sort_keys=False, allow_unicode=False, width=100)


@st.composite
def tree_mutation(draw: st.DrawFn, raw: dict[str, Any]) -> Case:
    """One change of the parsed tree of a bundled file."""
    tree = copy.deepcopy(raw)
    paths = paths_of(tree)
    pick = draw(st.randoms(use_true_random=False))  # uniform over the file's paths (sampled_from favours the first)
    op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add_key", "rename_key", "kind"]))
    if op == "kind":
        kinds = [p for p in paths if p[-1] == "kind"]
        if kinds:
            path = pick.choice(kinds)
            value = draw(st.one_of(WEIRD_VALUES, st.sampled_from([["linear"], {"a": 1}, "Linear", "lstm", "none"])))
            get(tree, path[:-1])[path[-1]] = value
            return Case(_dump(tree), f"set {path} to {value!r}", path, value)
        op = "replace"
    path = pick.choice(paths)
    parent = get(tree, path[:-1])
    if op == "replace":
        value = draw(WEIRD_VALUES)
        parent[path[-1]] = value
        return Case(_dump(tree), f"set {path} to {value!r}", path, value)
    if op == "delete":
        if isinstance(parent, list):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
        return Case(_dump(tree), f"delete {path}")
    mapping_paths = [p for p in [(), *paths] if isinstance(get(tree, p), dict)]
    where = pick.choice(mapping_paths)
    node = get(tree, where)
    if op == "rename_key" and node:
        old = pick.choice(sorted(map(str, node)))
        new = draw(st.sampled_from([old + "s", old[:-1] or "x", old.upper(), old.replace("_", "-"), "_" + old]))
        if new in node:
            return Case(_dump(tree), f"rename {where + (old,)} onto an existing key (no change)")
        node[new] = node.pop(old)
        return Case(_dump(tree), f"rename {where + (old,)} to {new!r}", where + (new,), node[new])
    key = draw(st.sampled_from(["zzz", "bitz", "n_tile", "Latency_ns", "kind2", "extends", "preset"]))
    if key in node:
        key += "_x"
    value = draw(WEIRD_VALUES)
    node[key] = value
    return Case(_dump(tree), f"add {where + (key,)} = {value!r}", where + (key,), value)


_BOMB = ("\nbomb0: &b0 [x, x, x, x, x, x, x, x, x]\n"
         + "".join(f"bomb{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 9) + "]\n" for i in range(1, 9)))


@st.composite
def text_mutation(draw: st.DrawFn, text: str) -> Case:
    """One change of the text of a bundled file."""
    op = draw(st.sampled_from(["control", "truncate", "duplicate_line", "delete_line", "tag", "bomb", "deep",
                               "recursive", "flip", "tab"]))
    lines = text.splitlines(keepends=True)
    pick = draw(st.randoms(use_true_random=False))
    at = pick.randrange(max(len(text), 1))
    line = pick.randrange(max(len(lines), 1))
    if op == "control":
        char = draw(st.sampled_from(["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x9b", "\ufffe", "\ud800"]))
        return Case(text[:at] + char + text[at:], f"insert {char!r} at offset {at}")
    if op == "truncate":
        return Case(text[:at], f"truncate at offset {at}")
    if op == "duplicate_line":
        return Case("".join(lines[:line + 1] + lines[line:]), f"duplicate line {line + 1}")
    if op == "delete_line":
        return Case("".join(lines[:line] + lines[line + 1:]), f"delete line {line + 1}")
    if op == "tag":
        tag = draw(st.sampled_from(["!foo ", "!!python/object/apply:os.system ", "!!set ", "!!binary ", "!!str ",
                                    "!!python/name:os.system "]))
        target = lines[line]
        colon = target.find(": ")
        if colon < 0:
            return Case(text, "tag on a line without a value (no change)")
        new = target[:colon + 2] + tag + target[colon + 2:]
        return Case("".join(lines[:line] + [new] + lines[line + 1:]), f"tag {tag.strip()} on line {line + 1}")
    if op == "bomb":
        return Case(text + _BOMB, "append a 9x9 alias bomb")
    if op == "deep":
        depth = draw(st.sampled_from([70, 900, 5000]))
        return Case(text + "deep: " + "[" * depth + "]" * depth + "\n", f"append {depth} levels of nesting")
    if op == "recursive":
        return Case(text + "loop: &loop [*loop]\n", "append a recursive alias")
    if op == "tab":
        return Case("".join(lines[:line] + ["\t" + lines[line]] + lines[line + 1:]) if lines else text,
                    f"tab before line {line + 1}")
    char = draw(st.sampled_from(list(":{}[]-#&*!|>'\"%@`,? ")))
    return Case(text[:at] + char + text[at + 1:], f"replace offset {at} by {char!r}")


def _same(loaded: Any, value: Any) -> bool:
    """Whether a loaded value is what the mutation wrote (numbers, unit strings and enums as the loader reads)."""
    if value is None:
        return loaded is None
    if isinstance(value, bool):
        return loaded is value
    if isinstance(value, (int, float)):
        if isinstance(loaded, list) and len(loaded) == 1:  # a field of one value or a list of them (t_inference_s)
            return _same(loaded[0], value)
        return isinstance(loaded, (int, float)) and not isinstance(loaded, bool) and (
            float(loaded) == float(value) or (math.isnan(float(loaded)) and math.isnan(float(value))))
    if isinstance(value, str):
        if isinstance(loaded, str):
            return loaded == value or loaded == value.strip().lower()
        return isinstance(loaded, (int, float)) and not isinstance(loaded, bool)  # a number or a unit string
    if isinstance(value, list):
        return isinstance(loaded, list) and len(loaded) == len(value)
    if isinstance(value, dict):
        return isinstance(loaded, dict) and all(str(k) in loaded for k in value)
    return False


def check_accepted(case: Case, loaded_raw: Any) -> None:
    """An accepted mutated file: safe_load reads the same data as archsim, and the value set is in the config."""
    ours, _ = parse_yaml(case.text, "case.yaml")
    assert yaml.safe_load(case.text) == ours, f"{case.what}: archsim's reader and yaml.safe_load disagree"
    if case.set_path is None or "preset" in case.set_path or "extends" in case.set_path:
        return
    loaded = lookup(to_raw(loaded_raw), case.set_path)
    assert loaded is not _MISSING, f"{case.what}: accepted, but the value is not in the loaded configuration"
    assert _same(loaded, case.value), f"{case.what}: accepted, but the configuration holds {loaded!r}"
