"""Error types. Every message names the problem and how to fix it."""


class NorankError(Exception):
    """Base class of the errors this library raises on purpose."""


class DataError(NorankError, ValueError):
    """Input data is missing, corrupt or unusable (bad shape, NaN, tiny class...); a ValueError too,
    as scikit-learn and numpy callers expect of bad input values."""


class OfflineError(DataError):
    """A fetcher needed the network, but the network is unavailable or forbidden."""
