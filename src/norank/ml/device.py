"""Device choice: CUDA, then Apple MPS, then CPU, unless the caller names one."""

from __future__ import annotations

import torch

from norank.errors import NorankError


def pick_device(preference: str = "auto") -> torch.device:
    """``"auto"`` → the first available of cuda, mps, cpu; otherwise the named device, checked."""
    if preference == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    dev = torch.device(preference)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise NorankError(
            f"device {preference!r} was requested but CUDA is not available on this machine. "
            "Use device: auto (falls back to CPU) or cpu."
        )
    if dev.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise NorankError(f"device {preference!r} was requested but MPS is not available; use device: auto or cpu.")
    return dev
