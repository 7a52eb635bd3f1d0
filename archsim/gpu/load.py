"""Find and load GPU baseline descriptions (``hwconfigs/gpus/*.yaml``).

``load_gpu("a100")`` looks the name up among the shipped files; a path to a YAML file works too.
Validation is the project's generic strict loader (``archsim.hwconfig.load.load_yaml_as``), so GPU
files get the same error messages (file, line, dotted key) and unit strings as hardware files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from archsim.errors import ConfigError
from archsim.gpu.schema import GPUConfig
from archsim.loader import bundled_dir, load_yaml_as

#: Folder of the shipped GPU descriptions (the project's hwconfigs/gpus, or its copy inside an installed wheel).
GPU_DIR = bundled_dir("hwconfigs/gpus")


def available_gpus() -> tuple[str, ...]:
    """Names of the shipped GPU descriptions, sorted."""
    if not GPU_DIR.is_dir():
        return ()
    return tuple(sorted(p.stem for p in GPU_DIR.glob("*.yaml")))


def resolve_gpu_path(name_or_path: str | Path) -> Path:
    """Turn ``a100`` or ``path/to/gpu.yaml`` into an existing file path."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise ConfigError(f"{candidate}: GPU description not found", hint="check the path")
        return candidate
    shipped = GPU_DIR / f"{str(name_or_path).lower()}.yaml"
    if shipped.is_file():
        return shipped
    raise ConfigError(
        f"--gpu: unknown GPU {str(name_or_path)!r}; expected one of {', '.join(available_gpus()) or '(none shipped)'}"
        " or a path to a GPU YAML file",
        hint="see hwconfigs/gpus/ for the format",
    )


def load_gpu(name_or_path: str | Path, overrides: Sequence[str] = ()) -> GPUConfig:
    """Load one GPU description by shipped name or path, applying ``key.path=value`` overrides.

    Uses the project's strict loader (:func:`archsim.hwconfig.load.load_yaml_as`): unknown keys, wrong
    types and unit strings are reported with file, line and dotted key.
    """
    return load_yaml_as(resolve_gpu_path(name_or_path), GPUConfig, overrides)
