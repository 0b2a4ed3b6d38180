"""Datasets: real fetchers, synthetic generators, preprocessing and the artifact format."""

from norank.data.artifact import Dataset, load_dataset, save_dataset, validate_tensor_dataset

__all__ = ["Dataset", "load_dataset", "save_dataset", "validate_tensor_dataset"]
