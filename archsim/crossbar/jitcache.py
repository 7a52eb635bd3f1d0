"""Keep Numba's on-disk cache of compiled code honest about the other modules' kernels it contains.

A function compiled with ``njit(cache=True)`` is stored with the *stamp* of its own source file (modification time
and size), and Numba serves the stored machine code for as long as that stamp matches. The stored code also
contains every jitted function it calls, from other modules too (:mod:`archsim.crossbar.fastpath` calls the kernels
of :mod:`archsim.crossbar.kernels`; :mod:`archsim.nn.fused` calls both), so after an edit of ``kernels.py`` alone
the callers' cache would keep running the old kernel code: the old speed, and after a change of numerics the old
results. :func:`depend_on` adds a digest of the sources a module's compiled code embeds to the stamp of each of
its cached functions, so an edit of any of them makes the stored code stale and Numba compiles anew (and stores
the result under the new stamp). Device laws need no such stamp: their Numba type carries a hash of their source
(:func:`archsim.crossbar.kernels.law_tag`).

The stamp lives in Numba's cache object (``Dispatcher._cache._cache_file._source_stamp``, the value Numba
compares when it loads an index; private, read here as Numba 0.68 defines it);
``tests/functional/test_jit_cache.py`` checks the mechanism on the installed Numba in fresh processes (and that
without it the stale code is indeed served).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from numba.core.dispatcher import Dispatcher


def source_digest(modules: Iterable[ModuleType]) -> str:
    """SHA-256 over the source files of ``modules`` (their bytes, in the order given)."""
    h = hashlib.sha256()
    for module in modules:
        path = Path(str(module.__file__))
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def depend_on(namespace: dict[str, Any], *modules: ModuleType) -> int:
    """Make the on-disk cache of every cached jitted function defined in ``namespace`` (a module's
    ``globals()``) depend on the sources of ``modules`` as well as its own; call it at the end of the module,
    before the functions are first called. Returns how many functions it stamped."""
    digest = source_digest(modules)
    name = namespace["__name__"]
    n = 0
    for obj in list(namespace.values()):
        if not isinstance(obj, Dispatcher) or obj.py_func.__module__ != name:
            continue
        cache = obj._cache
        cache_file = getattr(cache, "_cache_file", None)  # a NullCache (cache=False) has none
        if cache_file is None:
            continue
        cache_file._source_stamp = (cache_file._source_stamp, "deps:" + digest)
        n += 1
    return n
