"""``archsim import MODEL.onnx [-o workloads/NAME.yaml]``: an ONNX model as an ordinary workload file.

Reads the model (``torch.onnx.export`` writes one: ``torch.onnx.export(model, example_input, "net.onnx")``),
converts every operator to archsim layer kinds, checks the result exactly like a hand-written workload and
writes readable YAML (one line per layer) that records the source file, graph name, producer and opset.
Batch normalisation is folded into the preceding conv/linear layer (inference; ``--keep-batchnorm`` keeps it as
digital layers, as training needs). An operator or attribute archsim cannot express fails with one line that
lists every one of them; nothing is written then. A ``.onnx`` path also works directly wherever a workload is
expected (``archsim run HW net.onnx``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from archsim.commands.common import add_parser
from archsim.commands.status import OK


def register(subparsers: Any) -> None:
    """Add the ``import`` subcommand."""
    p = add_parser(subparsers, "import", help="import an ONNX model as a workload YAML file", doc=__doc__)
    p.add_argument("model", metavar="MODEL.onnx", help="the ONNX model")
    p.add_argument("-o", "--output", default=None, metavar="NAME.yaml",
                   help="workload file to write (default: workloads/<model stem>.yaml)")
    p.add_argument("--name", default=None, help="workload name (default: the output file's stem)")
    p.add_argument("--keep-batchnorm", action="store_true",
                   help="keep batch normalisation as digital layers instead of folding it (for training)")
    p.add_argument("--dataset", default=None, metavar="SPEC",
                   help="the workload's default dataset (default: synthetic)")
    p.add_argument("--task", choices=("classification", "sequence", "features"), default=None,
                   help="what the output is (default: classification for a vector output, else features)")
    p.add_argument("--description", default="", metavar="TEXT",
                   help="what the network is and where it comes from (cite the paper)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Import, check, write, print a summary."""
    from archsim.results.io import write_text_atomic
    from archsim.workload import load_onnx_workload, load_workload_text
    from archsim.workload.onnx_import import onnx_to_raw, to_yaml

    out = Path(args.output) if args.output else Path("workloads") / f"{Path(args.model).stem}.yaml"
    name = args.name or out.stem
    fold = not args.keep_batchnorm
    load_onnx_workload(args.model, name=name, fold_batchnorm=fold)  # every check, incl. ONNX's own shapes
    raw, _ = onnx_to_raw(args.model, name=name, fold_batchnorm=fold, dataset=args.dataset or "synthetic",
                         description=args.description, task=args.task)
    header = (f"Imported by `archsim import` from {Path(args.model).name}: every layer and number below is derived [D]\n"
              f"from that ONNX graph ({raw['source']['graph']!r}, opset {raw['source']['opset']}).")
    text = to_yaml(raw, header)
    workload = load_workload_text(text, out.name)  # the file as written loads and checks
    write_text_atomic(out, text)
    print(f"{workload.name}: {len(workload.layers) - 1} layers ({len(workload.analog_layers)} analog), "
          f"{workload.total_weights:,} weights, {workload.total_macs_per_sample:,} MACs per sample, "
          f"input {list(workload.input_shape)}, output {list(workload.output_layer.out_shape)}; wrote {out}")
    return OK
