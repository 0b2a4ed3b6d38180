"""norank: no-rank tensor decomposition by metric learning, and its baselines.

The library behind the Snakemake workflow of this repository. It imports no
Snakemake and can be used from a notebook: every function takes arrays and
explicit arguments (seeds included) and returns arrays or plain records.
"""

from norank.errors import NorankError

__all__ = ["NorankError"]
__version__ = "0.1.0"
