"""The one strict loader of every YAML file archsim reads: hardware, workloads, GPU baselines, sweeps.

:mod:`.reader` parses YAML (duplicate keys refused, the line of every path kept), :mod:`.build` turns raw data into
frozen dataclasses with one-line errors (file:line, YAML path, expected, got, hint), :mod:`.overrides` applies
``--set`` before validation, :mod:`.bundled` finds bundled files by name and :mod:`.dump` writes resolved configs.
"""

from archsim.loader.build import build_dataclass, load_yaml_as
from archsim.loader.bundled import bundled_files, repo_root, resolve_path
from archsim.loader.dump import dump_yaml, non_default, to_raw
from archsim.loader.overrides import apply_overrides
from archsim.loader.reader import parse_yaml, read_yaml
from archsim.loader.source import Source, describe, dotted, located_error

__all__ = [
    "Source",
    "apply_overrides",
    "build_dataclass",
    "bundled_files",
    "describe",
    "dotted",
    "dump_yaml",
    "load_yaml_as",
    "located_error",
    "non_default",
    "parse_yaml",
    "read_yaml",
    "repo_root",
    "resolve_path",
    "to_raw",
]
