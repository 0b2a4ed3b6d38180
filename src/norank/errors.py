"""Error types. Every message names the problem and how to fix it."""


class NorankError(Exception):
    """Base class of the errors this library raises on purpose."""


class DataError(NorankError):
    """Input data is missing, corrupt or unusable (bad shape, NaN, tiny class...)."""


class OfflineError(DataError):
    """A fetcher needed the network, but the network is unavailable or forbidden."""
