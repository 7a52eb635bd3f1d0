"""Digital layers with hand-written backpropagation, and the im2col / col2im transforms.

Everything between the analog matrix products runs in digital float32 arithmetic: activations,
pooling, local response normalisation, flatten, residual addition and the softmax cross-entropy
loss. Each layer is a :class:`Module` with

* ``forward(inputs, train) -> y`` (``inputs`` is a list, one array per graph predecessor; batch first),
* ``backward(grad_y) -> [grad_input, ...]`` (uses what ``forward`` cached; call it once per forward),
* ``step(lr, weight_decay)`` (applies the accumulated gradient of the layer's own parameters, if any).

No autograd framework is involved; tests/accuracy check every backward against central finite
differences. Shapes are channel-first: images ``(B, C, H, W)``, vectors ``(B, F)``, sequences
``(B, T, F)``.

Pooling with padding pads max pooling with −inf and average pooling with zeros (the average always
divides by ``k_h·k_w``). Mixed pooling (RAPA, Yu et al. 2014) outputs ``α_c·max + (1 − α_c)·avg`` per
channel with ``α_c = 1 / (1 + exp(−μ β_c))``, μ = 10 and β_c initialised to 2/μ, so max pooling
dominates at the start (α ≈ 0.88); β is learned by SGD. The sign convention of the logistic is our
choice: the seed text lost it, and this one gives the stated "bias toward max pooling".

Local response normalisation is AlexNet's across-channel form
``b_c = a_c / (k + α/n · Σ_{c' ∈ window(c)} a_{c'}²)^β`` with a window of ``n`` channels centred on c.
"""

from __future__ import annotations

import numpy as np

FLOAT = np.float32


def _pair(value: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


# ----------------------------------------------------------------------------------------------
# im2col / col2im


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output length of a convolution or pooling along one axis."""
    return (size + 2 * padding - kernel) // stride + 1


def im2col(
    x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]
) -> np.ndarray:
    """Patches of ``x`` (B, C, H, W) as rows: (B·H_out·W_out, C·k_h·k_w), columns ordered (C, k_h, k_w).

    Row ``b·L + oy·W_out + ox`` is the patch whose top-left corner sits at
    ``(oy·s_h − p_h, ox·s_w − p_w)``; the column order matches ``W.reshape(C_out, C·k_h·k_w)``.
    """
    kh, kw = kernel
    sh, sw = stride
    ph, pw = padding
    b, c, h, w = x.shape
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho, wo = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw][
        :, :, :ho, :wo
    ]
    # (B, C, Ho, Wo, kh, kw) -> (B, Ho, Wo, C, kh, kw)
    return np.ascontiguousarray(windows.transpose(0, 2, 3, 1, 4, 5)).reshape(b * ho * wo, c * kh * kw)


def col2im(
    cols: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
) -> np.ndarray:
    """Adjoint of :func:`im2col`: sum patch gradients (B·L, C·k_h·k_w) back onto an image (B, C, H, W)."""
    kh, kw = kernel
    sh, sw = stride
    ph, pw = padding
    b, c, h, w = x_shape
    ho, wo = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
    patches = cols.reshape(b, ho, wo, c, kh, kw)
    out = np.zeros((b, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i : i + sh * ho : sh, j : j + sw * wo : sw] += patches[:, :, :, :, i, j].transpose(
                0, 3, 1, 2
            )
    if ph or pw:
        out = out[:, :, ph : ph + h, pw : pw + w]
    return np.ascontiguousarray(out)


# ----------------------------------------------------------------------------------------------
# modules


class Module:
    """A node of the network graph. Subclasses override :meth:`forward` and :meth:`backward`."""

    analog = False
    """True for layers whose matrix products run on crossbar tiles."""

    def __init__(self, name: str) -> None:
        self.name = name

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        """Apply the accumulated gradient of the layer's own parameters (none by default)."""

    def parameters(self) -> dict[str, np.ndarray]:
        """Digital trainable parameters by name (views, not copies)."""
        return {}


class Identity(Module):
    """Passes its single input through (``input`` nodes and the training-time ``softmax``)."""

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        return inputs[0]

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:
        return [grad]


class Activation(Module):
    """Element-wise ``relu``, ``sigmoid`` or ``tanh``."""

    KINDS = ("relu", "sigmoid", "tanh")

    def __init__(self, name: str, kind: str) -> None:
        super().__init__(name)
        if kind not in self.KINDS:
            raise ValueError(f"unknown activation {kind!r}")
        self.kind = kind
        self._cache: np.ndarray | None = None

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        if self.kind == "relu":
            y = np.maximum(x, 0)
            self._cache = x > 0
        elif self.kind == "sigmoid":
            y = (0.5 * (1.0 + np.tanh(0.5 * x))).astype(x.dtype, copy=False)  # stable logistic
            self._cache = y
        else:
            y = np.tanh(x)
            self._cache = y
        return y

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:
        c = self._cache
        if self.kind == "relu":
            return [grad * c]
        if self.kind == "sigmoid":
            return [grad * c * (1 - c)]
        return [grad * (1 - c * c)]


class Flatten(Module):
    """Reshape (B, ...) to (B, F)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._shape: tuple[int, ...] = ()

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:
        return [grad.reshape(self._shape)]


class Add(Module):
    """Element-wise sum of all inputs (residual connections)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._n = 0

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        self._n = len(inputs)
        out = inputs[0].copy()
        for x in inputs[1:]:
            out += x
        return out

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:
        return [grad] * self._n


class _Pool2d(Module):
    """Shared window handling of the pooling layers (loops over the k_h·k_w window offsets)."""

    def __init__(self, name: str, kernel_size, stride=None, padding=0) -> None:
        super().__init__(name)
        self.kernel = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size)
        self.padding = _pair(padding)
        self._shape: tuple[int, ...] = ()

    def _windows(self, x: np.ndarray, fill: float) -> np.ndarray:
        """Stacked window views: (k_h·k_w, B, C, H_out, W_out)."""
        kh, kw = self.kernel
        sh, sw = self.stride
        ph, pw = self.padding
        h, w = x.shape[2:]
        ho, wo = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
        if ph or pw:
            x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
        return np.stack(
            [x[:, :, i : i + sh * ho : sh, j : j + sw * wo : sw] for i in range(kh) for j in range(kw)]
        )

    def _scatter(self, per_offset: np.ndarray) -> np.ndarray:
        """Adjoint of :meth:`_windows`: sum (k_h·k_w, B, C, H_out, W_out) back onto the input."""
        kh, kw = self.kernel
        sh, sw = self.stride
        ph, pw = self.padding
        b, c, h, w = self._shape
        ho, wo = per_offset.shape[3:]
        out = np.zeros((b, c, h + 2 * ph, w + 2 * pw), dtype=per_offset.dtype)
        for idx in range(kh * kw):
            i, j = divmod(idx, kw)
            out[:, :, i : i + sh * ho : sh, j : j + sw * wo : sw] += per_offset[idx]
        return out[:, :, ph : ph + h, pw : pw + w] if (ph or pw) else out


class MaxPool2d(_Pool2d):
    """Max pooling; the gradient goes to the first maximum of each window."""

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._shape = x.shape
        win = self._windows(x, -np.inf)
        self._arg = win.argmax(axis=0)
        return np.take_along_axis(win, self._arg[None], axis=0)[0]

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:
        n = self.kernel[0] * self.kernel[1]
        mask = self._arg[None] == np.arange(n).reshape(n, 1, 1, 1, 1)
        return [self._scatter(mask * grad[None])]


class AvgPool2d(_Pool2d):
    """Average pooling (divides by k_h·k_w, padding counts as zeros)."""

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._shape = x.shape
        return self._windows(x, 0.0).mean(axis=0, dtype=x.dtype)

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:
        n = self.kernel[0] * self.kernel[1]
        g = (grad / n).astype(grad.dtype)
        return [self._scatter(np.broadcast_to(g[None], (n, *g.shape)))]


class MixedPool2d(_Pool2d):
    """Learnable per-channel mix of max and average pooling (module docstring); ``channels`` β's."""

    MU = 10.0

    def __init__(self, name: str, kernel_size, stride=None, padding=0, *, channels: int) -> None:
        super().__init__(name, kernel_size, stride, padding)
        self.beta = np.full(channels, 2.0 / self.MU, dtype=FLOAT)
        self.grad_beta = np.zeros_like(self.beta)
        self._max = MaxPool2d(name + ".max", kernel_size, stride, padding)
        self._avg = AvgPool2d(name + ".avg", kernel_size, stride, padding)

    @property
    def alpha(self) -> np.ndarray:
        """Weight of max pooling per channel."""
        return 1.0 / (1.0 + np.exp(-self.MU * self.beta))

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        self._m = self._max.forward(inputs, train)
        self._a = self._avg.forward(inputs, train)
        alpha = self.alpha.reshape(1, -1, 1, 1)
        return (alpha * self._m + (1 - alpha) * self._a).astype(self._m.dtype, copy=False)

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:
        alpha = self.alpha
        a4 = alpha.reshape(1, -1, 1, 1)
        dalpha = (grad * (self._m - self._a)).sum(axis=(0, 2, 3))
        self.grad_beta += (dalpha * alpha * (1 - alpha) * self.MU).astype(self.grad_beta.dtype)
        gx = self._max.backward(grad * a4)[0] + self._avg.backward(grad * (1 - a4))[0]
        return [gx]

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        self.beta -= lr * self.grad_beta
        self.grad_beta[:] = 0

    def parameters(self) -> dict[str, np.ndarray]:
        return {"beta": self.beta}


class LocalResponseNorm(Module):
    """Across-channel local response normalisation (module docstring)."""

    def __init__(
        self, name: str, size: int = 5, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
    ) -> None:
        super().__init__(name)
        self.size, self.alpha, self.beta, self.k = int(size), float(alpha), float(beta), float(k)

    def _window_sum(self, v: np.ndarray) -> np.ndarray:
        """Sum over a window of ``size`` channels centred on each channel (zero beyond the edges)."""
        lo = (self.size - 1) // 2
        hi = self.size - 1 - lo
        c = v.shape[1]
        padded = np.concatenate([np.zeros_like(v[:, :1]), v], axis=1).cumsum(axis=1)
        idx = np.arange(c)
        top = np.minimum(idx + hi + 1, c)
        bottom = np.maximum(idx - lo, 0)
        return padded[:, top] - padded[:, bottom]

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        s = self.k + (self.alpha / self.size) * self._window_sum(x.astype(np.float64) ** 2)
        self._x, self._s = x, s
        return (x * s**-self.beta).astype(x.dtype)

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:
        x, s = self._x.astype(np.float64), self._s
        g = grad.astype(np.float64)
        inner = self._window_sum(g * x * s ** (-self.beta - 1))  # windows are symmetric
        gx = g * s**-self.beta - (2.0 * self.alpha * self.beta / self.size) * x * inner
        return [gx.astype(grad.dtype)]


# ----------------------------------------------------------------------------------------------
# loss


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
