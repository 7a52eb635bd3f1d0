"""im2col / col2im: convolution patches as matrix rows, and the adjoint that sums them back.

Padding is ``(top, left, bottom, right)`` (asymmetric padding as ONNX's ``pads``) or a symmetric ``(p_h, p_w)``;
dilation spreads the kernel taps ``d`` pixels apart. Output size along one axis:
``(size + pad_begin + pad_end − d·(k − 1) − 1) // stride + 1``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["col2im", "conv_output_size", "im2col", "pads4"]

Pads = tuple[int, int, int, int]


def pads4(padding: tuple[int, ...]) -> Pads:
    """``(p_h, p_w)`` -> ``(p_h, p_w, p_h, p_w)``; a 4-tuple ``(top, left, bottom, right)`` is returned as is."""
    if len(padding) == 2:
        return (int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1]))
    if len(padding) == 4:
        return (int(padding[0]), int(padding[1]), int(padding[2]), int(padding[3]))
    raise ValueError(f"padding: expected 2 or 4 sizes, got {padding}")


def conv_output_size(size: int, kernel: int, stride: int, padding: int, pad_end: int | None = None,
                     dilation: int = 1) -> int:
    """Output length of a convolution or pooling along one axis (``pad_end`` None: symmetric ``padding``)."""
    end = padding if pad_end is None else pad_end
    return (size + padding + end - dilation * (kernel - 1) - 1) // stride + 1


def _pad(x: np.ndarray, p: Pads, fill: float = 0.0) -> np.ndarray:
    if not any(p):
        return x
    return np.pad(x, ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])), constant_values=fill)


def im2col(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, ...],
           dilation: tuple[int, int] = (1, 1)) -> np.ndarray:
    """Patches of ``x`` (B, C, H, W) as rows: (B·H_out·W_out, C·k_h·k_w), columns ordered (C, k_h, k_w).

    Row ``b·L + oy·W_out + ox`` is the patch whose top-left tap sits at ``(oy·s_h − top, ox·s_w − left)``; the
    column order matches ``W.reshape(C_out, C·k_h·k_w)``.
    """
    kh, kw = kernel
    sh, sw = stride
    dh, dw = dilation
    p = pads4(padding)
    b, c, h, w = x.shape
    ho = conv_output_size(h, kh, sh, p[0], p[2], dh)
    wo = conv_output_size(w, kw, sw, p[1], p[3], dw)
    xp = _pad(x, p)
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    windows = np.lib.stride_tricks.sliding_window_view(xp, (span_h, span_w), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw][:, :, :ho, :wo]
    if dh > 1 or dw > 1:
        windows = windows[..., ::dh, ::dw]
    # (B, C, Ho, Wo, kh, kw) -> (B, Ho, Wo, C, kh, kw)
    return np.ascontiguousarray(windows.transpose(0, 2, 3, 1, 4, 5)).reshape(b * ho * wo, c * kh * kw)


def col2im(cols: np.ndarray, x_shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int],
           padding: tuple[int, ...], dilation: tuple[int, int] = (1, 1)) -> np.ndarray:
    """Adjoint of :func:`im2col`: sum patch gradients (B·L, C·k_h·k_w) back onto an image (B, C, H, W)."""
    kh, kw = kernel
    sh, sw = stride
    dh, dw = dilation
    p = pads4(padding)
    b, c, h, w = x_shape
    ho = conv_output_size(h, kh, sh, p[0], p[2], dh)
    wo = conv_output_size(w, kw, sw, p[1], p[3], dw)
    patches = cols.reshape(b, ho, wo, c, kh, kw)
    out = np.zeros((b, c, h + p[0] + p[2], w + p[1] + p[3]), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dh, j * dw
            out[:, :, r0 : r0 + sh * ho : sh, c0 : c0 + sw * wo : sw] += patches[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    if any(p):
        out = out[:, :, p[0] : p[0] + h, p[1] : p[1] + w]
    return np.ascontiguousarray(out)
