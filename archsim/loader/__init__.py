"""The one strict loader of every YAML file archsim reads: hardware, workloads, GPU baselines, sweeps.

:mod:`.reader` parses YAML (duplicate keys refused, the line of every path kept, size, nesting and alias
expansion bounded, tags on collections refused), :mod:`.build` turns raw data into frozen dataclasses with
one-line errors (file:line, YAML path, expected, got, hint), :mod:`.overrides` applies ``--set`` before
validation, :mod:`.bundled` finds bundled files by name and tells hardware files from workloads,
:mod:`.extends` merges a file over the base it names, :mod:`.inputs` reads one input of a kind, and
:mod:`.dump` writes resolved configs.
"""

from archsim.loader.build import build_dataclass, load_yaml_as
from archsim.loader.bundled import (
    HARDWARE,
    WORKLOAD,
    InputKind,
    bundled_dir,
    bundled_files,
    data_root,
    repo_root,
    resolve_path,
)
from archsim.loader.dump import dump_yaml, non_default, to_raw
from archsim.loader.extends import expand_extends
from archsim.loader.inputs import inherited_fields, prepare_input, read_input
from archsim.loader.merge import deep_merge
from archsim.loader.overrides import apply_overrides
from archsim.loader.reader import parse_yaml, read_yaml
from archsim.loader.source import Source, describe, dotted, located_error

__all__ = [
    "HARDWARE",
    "WORKLOAD",
    "InputKind",
    "Source",
    "apply_overrides",
    "build_dataclass",
    "bundled_dir",
    "bundled_files",
    "data_root",
    "deep_merge",
    "describe",
    "dotted",
    "dump_yaml",
    "expand_extends",
    "inherited_fields",
    "load_yaml_as",
    "located_error",
    "non_default",
    "parse_yaml",
    "prepare_input",
    "read_input",
    "read_yaml",
    "repo_root",
    "resolve_path",
    "to_raw",
]
