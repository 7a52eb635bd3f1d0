"""Datasets for the accuracy step: a registry of sources (embedded digits, IDX files, synthetic clusters, a
bundled text), each one module, and the :class:`Dataset` split they produce."""

# Importing a source module registers it; this order is the order users see them listed.
# isort: off
from archsim.datasets.base import SOURCES, Dataset, DatasetSource, check_dataset_spec, known_sizes, load_dataset
import archsim.datasets.digits
import archsim.datasets.idx
import archsim.datasets.synthetic
import archsim.datasets.text  # noqa: F401
# isort: on
from archsim.datasets.fitting import fit_images

__all__ = ["SOURCES", "Dataset", "DatasetSource", "check_dataset_spec", "fit_images", "known_sizes", "load_dataset"]
