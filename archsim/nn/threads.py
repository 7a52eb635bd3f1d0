"""Thread policy of network training: single-threaded BLAS, Numba threads for the pulse kernels.

Training a network issues many small GEMMs (a mini-batch through one tile) interleaved with Numba's
parallel update kernels. OpenBLAS worker threads spin for a while after each GEMM, and Numba's OpenMP
workers spin after each parallel region; on a 2-core machine the two pools then take cores from each
other. Measured on the project's 2-core machine (idle), one 784→256 tile at mini-batch 64:

| BLAS threads | Numba update kernels | forward | update |
|---|---|---|---|
| 2 | parallel | 2.9 ms | 5.8 ms |
| 1 | parallel | 0.53 ms | 1.6 ms |
| 1 | serial | 0.85 ms | 3.1 ms |

So while a network trains or is evaluated, BLAS runs on the calling thread and the cores go to the
Numba kernels, which scale. Large single-tile GEMMs outside training (``benchmarks/bench_crossbar.py``)
keep the default BLAS threads. Results do not depend on the thread count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits


@contextmanager
def network_threads() -> Iterator[None]:
    """Limit BLAS to the calling thread for the duration of the block (Numba threads unchanged)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
