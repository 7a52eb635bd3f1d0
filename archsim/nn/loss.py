"""The training loss: softmax cross-entropy over the network's logits (digital, float64 internally)."""

from __future__ import annotations

import numpy as np

__all__ = ["softmax", "softmax_cross_entropy"]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis (numerically stable)."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean cross-entropy over all label positions, its gradient w.r.t. ``logits``, and the predictions.

    ``logits`` is (B, K) with labels (B,), or (B, T, K) with labels (B, T) for sequence tasks.
    """
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    logsum = np.log(np.exp(z).sum(axis=-1, keepdims=True))
    logp = z - logsum
    lab = labels[..., None]
    n = labels.size
    loss = -float(np.take_along_axis(logp, lab, axis=-1).sum()) / n
    grad = np.exp(logp)
    np.put_along_axis(grad, lab, np.take_along_axis(grad, lab, axis=-1) - 1.0, axis=-1)
    return loss, (grad / n).astype(logits.dtype), logits.argmax(axis=-1)
