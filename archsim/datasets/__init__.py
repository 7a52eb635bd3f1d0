"""Datasets for the accuracy step: embedded digits, IDX files, synthetic clusters and a bundled text."""

from archsim.datasets.loaders import Dataset, fit_images, load_dataset

__all__ = ["Dataset", "fit_images", "load_dataset"]
