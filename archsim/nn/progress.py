"""Progress of network training on stderr: one tqdm bar over all epochs of one model (epoch, loss, accuracy,
ETA)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """tqdm progress over all epochs of one model, on stderr (epoch, loss, accuracy, ETA).

    Called as ``bar(label, epoch, batch, n_batches, running loss, running accuracy)``.
    """

    def __init__(self, total: int, label: str, epochs: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=total,
            desc=label,
            unit="batch",
            file=sys.stderr,
            dynamic_ncols=True,
            mininterval=0.5,
            leave=True,
        )
        self.epochs = epochs
        self.last = 0
        self.t_post = 0.0

    def __call__(self, label: str, epoch: int, batch: int, n_batches: int, loss: float, acc: float) -> None:
        done = epoch * n_batches + batch
        self.bar.update(done - self.last)
        self.last = done
        now = time.perf_counter()
        if now - self.t_post > 0.5 or batch == n_batches:
            self.t_post = now
            self.bar.set_description(f"{label} epoch {epoch + 1}/{self.epochs}", refresh=False)
            self.bar.set_postfix(loss=f"{loss:.4f}", acc=f"{acc:.3f}", refresh=False)

    def note(self, **values: str) -> None:
        """Show ``values`` after the bar (replaces the loss/accuracy postfix until the next batch)."""
        self.bar.set_postfix(**values, refresh=False)

    def close(self) -> None:
        """Close the bar."""
        self.bar.close()
