"""Atomic, deterministic JSON I/O for result files.

``result.json`` is the source of truth of a run. It is written with
sorted keys to a temporary file in the same folder and renamed into place, so a crash never leaves a
half-written result behind.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from archsim.errors import DataError, OutputError


def _clean(value: Any) -> Any:
    """Replace non-finite floats by None so the output is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def dumps(data: Any) -> str:
    """Serialise ``data`` as stable, strict JSON (sorted keys, two-space indent)."""
    return json.dumps(_clean(data), sort_keys=True, indent=2, allow_nan=False) + "\n"


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file + rename); create parent folders.

    Raises:
        OutputError: if the file cannot be written (a folder of that name, no permission, a full disk); a
            previous file at ``path`` stays as it was.
    """
    target = Path(path)
    try:
        if target.is_dir():
            raise OutputError(f"{target}: cannot write the file: it is a folder", hint="give a file name")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write the file ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"{target}: cannot write the file ({exc.strerror or exc}); a previous file there "
                              f"is kept") from None
        raise
    return target


def write_json_atomic(path: str | Path, data: Any) -> Path:
    """Write ``data`` as JSON to ``path`` atomically."""
    return write_text_atomic(path, dumps(data))


def _refuse_constant(token: str) -> float:
    raise ValueError(f"{token} is not a JSON number")


def read_json(path: str | Path) -> Any:
    """Read a strict JSON file (``NaN`` and ``Infinity`` are refused), raising :class:`DataError` with the file
    name on any problem."""
    p = Path(path)
    try:
        is_file, exists = p.is_file(), p.exists()
    except OSError as exc:  # a name too long, a loop of symbolic links, ...
        raise DataError(f"{p}: cannot read the file ({exc.strerror or exc})") from None
    if not is_file:
        raise DataError(f"{p}: file not found" if not exists else f"{p}: expected a JSON file",
                        hint="pass the path of a result.json written by archsim")
    try:
        return json.loads(p.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise DataError(f"{p}:{exc.lineno}: not a readable JSON file ({exc.msg})") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{p}: not a readable JSON file (not UTF-8 text at byte {exc.start})") from None
    except ValueError as exc:
        raise DataError(f"{p}: not strict JSON ({exc})") from None
    except RecursionError:
        raise DataError(f"{p}: not a readable JSON file (values nested too deeply)") from None
    except OSError as exc:
        raise DataError(f"{p}: cannot read the file ({exc.strerror or exc})") from None


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts and lists as one level with dotted keys: ``{"rows": [{"fp_s": 1.0}]}`` -> ``{"rows.0.fp_s":
    1.0}``; non-finite floats become None (strict JSON), other objects their ``float`` or ``str``."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    if isinstance(data, (list, tuple)):
        out = {}
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}{i}."))
        return out
    if isinstance(data, float) and not math.isfinite(data):
        data = None
    elif not (data is None or isinstance(data, (bool, int, float, str))):
        data = float(data) if hasattr(data, "__float__") else str(data)
    return {prefix[:-1]: data}


def flat_json_line(data: Any) -> str:
    """``data`` flattened (:func:`flatten`) as one line of sorted strict JSON: the last line a benchmark script
    prints with ``--json``."""
    return json.dumps(flatten(data), sort_keys=True, allow_nan=False)
