"""Numba's on-disk cache serves code that embeds another module's kernel until that module changes: with
:func:`archsim.crossbar.jitcache.depend_on` an edit of the dependency compiles the caller anew; without it the stale
code is served (the control, which shows the check can fail). Each step runs in a fresh process, as a user's runs do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archsim.crossbar import fastpath, jitcache, kernels
from archsim.nn import fused

DEP = "from numba import njit\n\n\n@njit(cache=True)\ndef value():\n    return {v}\n"
USER = """from numba import njit

import jit_dep
{stamp}

@njit(cache=True)
def call():
    return jit_dep.value() * 10

{depend}
"""


def _write(pkg: Path, value: int, stamped: bool) -> None:
    (pkg / "jit_dep.py").write_text(DEP.format(v=value))
    (pkg / "jit_user.py").write_text(USER.format(
        stamp="from archsim.crossbar.jitcache import depend_on\n" if stamped else "",
        depend="depend_on(globals(), jit_dep)" if stamped else ""))


def _call(pkg: Path) -> int:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(pkg), str(Path(__file__).resolve().parents[2])]),
           "NUMBA_CACHE_DIR": str(pkg / "cache")}
    out = subprocess.run([sys.executable, "-c", "import jit_user; print(jit_user.call())"], cwd=pkg, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.strip())


@pytest.mark.parametrize("stamped", [True, False])
def test_an_edited_dependency_is_compiled_anew_only_with_the_stamp(tmp_path: Path, stamped: bool) -> None:
    _write(tmp_path, 1, stamped)
    assert _call(tmp_path) == 10  # compiled and stored
    assert any((tmp_path / "cache").rglob("*.nbi"))
    assert _call(tmp_path) == 10  # loaded from the cache
    (tmp_path / "jit_dep.py").write_text(DEP.format(v=2))  # the caller's own file is untouched
    assert _call(tmp_path) == (20 if stamped else 10)


def test_the_compiled_paths_are_stamped_with_the_kernels_they_embed() -> None:
    for module, deps in ((fastpath, (kernels,)), (fused, (fastpath, kernels))):
        digest = "deps:" + jitcache.source_digest(deps)
        stamped = [obj for obj in vars(module).values() if hasattr(obj, "_cache")
                   and obj.py_func.__module__ == module.__name__]
        assert stamped
        for obj in stamped:
            assert obj._cache._cache_file._source_stamp[1] == digest


def test_the_digest_follows_the_bytes_of_every_source(tmp_path: Path) -> None:
    _write(tmp_path, 1, False)
    sys.path.insert(0, str(tmp_path))
    try:
        import jit_dep as dep

        before = jitcache.source_digest([dep])
        (tmp_path / "jit_dep.py").write_text(DEP.format(v=3))
        assert jitcache.source_digest([dep]) != before
        assert jitcache.source_digest([dep, kernels]) != jitcache.source_digest([kernels, dep])
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("jit_dep", None)
