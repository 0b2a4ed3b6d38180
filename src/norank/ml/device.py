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


def compile_encoder(model: torch.nn.Module, x: torch.Tensor, log) -> bool:
    """Compile ``model`` in place (``nn.Module.compile``: its state dict keeps its keys) for
    training on batches like ``x``; True if it is compiled.

    Compilation happens at the first call, so a probe (a copy of the model, in train mode, under
    a forked random state: the model, its batch-norm statistics and the random stream are left as
    they were) runs one forward and backward pass first; the real model's compile then reads the
    probe's kernels from inductor's cache. Where the probe fails (no C++ compiler, an unsupported
    op, a torch without inductor), the model stays eager and one warning says so and why. Shapes
    are static (``dynamic=False``): a smaller last batch or the evaluation's chunks compile their
    own kernels instead of one symbolic-shape graph, which inductor 2.13 failed to build for
    Olivetti's CNN after LFW's (``cannot determine truth value of Relational``)."""
    import copy

    try:
        probe = copy.deepcopy(model).train()
        with torch.random.fork_rng(devices=[x.device] if x.device.type == "cuda" else []):
            probe.compile(dynamic=False)
            probe(x).float().sum().backward()
    except Exception as e:  # noqa: BLE001 (any failure of the compiler means: train eager)
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        log.warning("torch.compile is not available here (%s: %s); training the encoder eager",
                    type(e).__name__, first[:200])
        return False
    model.compile(dynamic=False)
    return True
