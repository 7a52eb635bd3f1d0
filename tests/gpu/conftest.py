"""Fixtures for the GPU-model tests: ResNet-50 v1.5 described as GPU layer work.

The layer list is written out here (not read from workloads/) so the calibration test does not depend
on the workload loader: 53 convolutions (v1.5: stride 2 in the 3×3 conv of each down-sampling
bottleneck), ReLUs, residual adds, max- and average-pool and the 2048→1000 classifier. Batch norm is
not a layer kind in archsim, so it is absent, as in the calibrated model.
"""

from __future__ import annotations

import pytest

from archsim.gpu.model import LayerWork


def resnet50_layers() -> tuple[LayerWork, ...]:
    """ResNet-50 v1.5 at 224×224 as LayerWork (4.09 GMAC, 25.56 M weights)."""
    layers: list[LayerWork] = []
    first = [True]

    def conv(name: str, cin: int, cout: int, k: int, hw_in: int, stride: int, bias: bool = False) -> int:
        hw_out = hw_in // stride
        macs = hw_out * hw_out * cout * cin * k * k
        layers.append(
            LayerWork(
                name=name,
                kind="conv2d",
                macs_per_sample=macs,
                n_weights=cin * cout * k * k + (cout if bias else 0),
                in_elems_per_sample=cin * hw_in * hw_in,
                out_elems_per_sample=cout * hw_out * hw_out,
                needs_input_grad=not first[0],
            )
        )
        first[0] = False
        return hw_out

    def ew(name: str, kind: str, elems_in: int, elems_out: int) -> None:
        layers.append(
            LayerWork(name=name, kind=kind, in_elems_per_sample=elems_in, out_elems_per_sample=elems_out)
        )

    hw = conv("conv1", 3, 64, 7, 224, 2)
    ew("relu1", "relu", 64 * hw * hw, 64 * hw * hw)
    ew("maxpool", "maxpool", 64 * hw * hw, 64 * (hw // 2) ** 2)
    hw //= 2
    cin = 64
    for stage, (width, blocks) in enumerate(zip((64, 128, 256, 512), (3, 4, 6, 3)), start=2):
        for b in range(blocks):
            stride = 2 if (b == 0 and stage > 2) else 1
            p = f"s{stage}b{b}"
            conv(f"{p}.conv1", cin, width, 1, hw, 1)
            ew(f"{p}.relu1", "relu", width * hw * hw, width * hw * hw)
            hw2 = conv(f"{p}.conv2", width, width, 3, hw, stride)
            ew(f"{p}.relu2", "relu", width * hw2 * hw2, width * hw2 * hw2)
            conv(f"{p}.conv3", width, 4 * width, 1, hw2, 1)
            if b == 0:
                conv(f"{p}.down", cin, 4 * width, 1, hw, stride)
            out = 4 * width * hw2 * hw2
            ew(f"{p}.add", "add", 2 * out, out)
            ew(f"{p}.relu3", "relu", out, out)
            cin, hw = 4 * width, hw2
    ew("avgpool", "avgpool", 2048 * hw * hw, 2048)
    layers.append(
        LayerWork(
            name="fc",
            kind="linear",
            macs_per_sample=2048 * 1000,
            n_weights=2048 * 1000 + 1000,
            in_elems_per_sample=2048,
            out_elems_per_sample=1000,
        )
    )
    ew("softmax", "softmax", 1000, 1000)
    return tuple(layers)


@pytest.fixture(scope="session")
def resnet50() -> tuple[LayerWork, ...]:
    """ResNet-50 v1.5 layer work."""
    return resnet50_layers()
