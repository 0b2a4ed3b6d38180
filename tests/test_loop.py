"""The shared training loop: no host reads inside the batch loop, divergence named per value, objectives plug in."""

import collections
import os
import sys

import numpy as np
import pytest
import torch

import norank.ml.loop as loop
from norank.ml.loop import Batch, Objective, Step, TrainingDiverged
from norank.ml.train import TrainConfig, train_embedding

SMALL = dict(epochs=2, classes_per_batch=3, batch_size=12, embedding_dim=8, mlp_hidden=(32,), cnn_channels=(4, 8),
             patience=10, val_fraction=0.2, eval_every=1)
# every way Python code can read a tensor's value back to the host (on a GPU, each one waits for the queue)
HOST_READS = ("item", "__bool__", "__float__", "__int__", "__index__", "tolist", "numpy", "cpu")
# torch's non-fused Adam reads its step counter with .item(): that counter is a CPU tensor on every
# device (torch keeps it on the host unless the optimiser is fused or capturable), so it is no device read
HOST_SIDE = f"{os.sep}torch{os.sep}optim{os.sep}"
# reads made inside pytorch-metric-learning (some comparison losses check their masks with `if any()`)
PML = f"{os.sep}pytorch_metric_learning{os.sep}"


def blobs(n_per=12, C=3, shape=(6, 6), seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, size=(C,) + shape)
    X = np.concatenate([centres[c] + rng.normal(size=(n_per,) + shape) for c in range(C)]).astype(np.float32)
    return X, np.repeat(np.arange(C), n_per)


@pytest.fixture
def host_reads(monkeypatch):
    """Counts of host reads made while :func:`norank.ml.loop.run_epoch` (the batch loop) runs; the
    reads made inside pytorch-metric-learning are counted apart, under ``pml``."""
    counts, inside = collections.Counter(), [False]
    for name in HOST_READS:
        original = getattr(torch.Tensor, name)

        def counting(self, *args, _name=name, _original=original, **kwargs):
            caller = sys._getframe(1).f_code.co_filename
            if inside[0] and HOST_SIDE not in caller:
                counts["pml" if PML in caller else _name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counting)
    run_epoch = loop.run_epoch

    def counted(*args, **kwargs):
        counts["epochs"] += 1
        inside[0] = True
        try:
            return run_epoch(*args, **kwargs)
        finally:
            inside[0] = False

    monkeypatch.setattr(loop, "run_epoch", counted)
    return counts


@pytest.mark.parametrize("options", [
    dict(loss="eq13", encoder="mlp", noise_p=0.5),
    dict(loss="eq13", encoder="cnn", miner="hard", projection_head=True, diagnostics=True),
    dict(loss="eq13", encoder="mlp", miner="all", grad_clip=0.0),
    dict(loss="arcface", encoder="mlp", diagnostics=True),
    dict(loss="plm", encoder="mlp", loss_options={"k": 6}, noise_p=0.5),
], ids=["eq13-noise", "eq13-cnn-head-diagnostics", "eq13-all-noclip", "arcface", "plm"])
def test_the_batch_loop_reads_nothing_back_from_the_device(host_reads, options):
    X, y = blobs()
    res = train_embedding(X, y, np.arange(len(y)), TrainConfig(**{**SMALL, **options}), seed=0, progress=False,
                          X_aug=X + 0.01, aug_source=np.arange(len(y)))
    assert host_reads.pop("epochs") == 2 and len(res.history) == 2
    assert host_reads == {}, f"host reads inside the batch loop: {dict(host_reads)}"


def test_a_pair_based_comparison_loss_reads_only_inside_the_library(host_reads):
    """SupCon, as pytorch-metric-learning ships it, checks its pair masks with ``if any()`` (two
    reads a batch); nothing of ours reads."""
    X, y = blobs()
    train_embedding(X, y, np.arange(len(y)), TrainConfig(**{**SMALL, "loss": "supcon"}), seed=0, progress=False)
    assert host_reads.pop("epochs") == 2 and host_reads.pop("pml") > 0
    assert host_reads == {}, f"host reads inside the batch loop: {dict(host_reads)}"


def test_the_read_counter_sees_a_read(host_reads, monkeypatch):
    """The fixture must notice a read added back into the batch loop (here: inside an objective)."""
    X, y = blobs()
    original = loop.EpochTotals.add

    def add_and_read(self, Z, step, gnorm, greedy):
        float(gnorm)
        return original(self, Z, step, gnorm, greedy)

    monkeypatch.setattr(loop.EpochTotals, "add", add_and_read)
    train_embedding(X, y, np.arange(len(y)), TrainConfig(**SMALL), seed=0, progress=False)
    assert host_reads["__float__"] > 0


class Poisoned(Objective):
    """A test objective: mean squared norm, with a term that turns NaN from batch ``at`` on, or a
    finite loss whose gradient is NaN (d sqrt(x)/dx at 0)."""

    term_names = ("ok", "bad")

    def __init__(self, at: int, where: str):
        super().__init__()
        self.at, self.where, self.calls = at, where, 0

    def forward(self, Z: torch.Tensor, batch: Batch) -> Step:
        self.calls += 1
        ok = (Z**2).sum(1).mean()
        broken = self.calls >= self.at
        bad = Z.sum() * (float("nan") if broken and self.where == "term" else 0.0)
        loss = ok + bad
        if broken and self.where == "gradient":
            loss = loss + torch.sqrt(Z.sum() * 0.0)
        return Step(loss, {"ok": ok, "bad": bad}, Z)


def fit_poisoned(objective: Objective, labelled: bool = True):
    X, y = blobs()
    cfg = TrainConfig(**{**SMALL, "encoder": "mlp", "val_fraction": 0.0, "lr": 0.05})
    pool = loop.make_pool(X, y if labelled else None, np.arange(len(y)), torch.device("cpu"))

    class NoEvaluation:
        has_validation = False

        def __call__(self, model, epoch, due):
            return {}

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(36, 8))
    return loop.fit(model, objective, pool, NoEvaluation(), cfg, rng=np.random.default_rng(0),
                    generator=torch.Generator().manual_seed(0), log=__import__("logging").getLogger("t"), progress=False)


def test_a_non_finite_term_is_named_with_its_epoch_and_first_batch():
    # 36 samples, P=3 x K=4 per batch: 3 batches an epoch, so call 5 is epoch 2, batch 2
    with pytest.raises(TrainingDiverged, match=r"loss term 'bad' became non-finite at epoch 2 \(batch 2\)\. Lower"):
        fit_poisoned(Poisoned(at=5, where="term"))


def test_a_non_finite_gradient_with_finite_terms_is_named():
    with pytest.raises(TrainingDiverged, match=r"gradient norm became non-finite at epoch 1 \(batch 2\) while every"):
        fit_poisoned(Poisoned(at=2, where="gradient"))


def test_a_healthy_objective_trains_through_fit_and_keeps_the_last_epoch_without_validation():
    history, kept = fit_poisoned(Poisoned(at=10**9, where="term"))
    assert kept == 2 and [r["epoch"] for r in history] == [1, 2]
    assert history[1]["ok"] < history[0]["ok"] and history[0]["bad"] == 0.0


def test_an_objective_that_needs_labels_refuses_a_pool_without_them():
    from norank.errors import NorankError

    with pytest.raises(NorankError, match="Poisoned needs labels"):
        fit_poisoned(Poisoned(at=10**9, where="term"), labelled=False)


def test_clipping_rescales_only_above_the_bound():
    w = torch.nn.Parameter(torch.zeros(4))
    w.grad = torch.tensor([3.0, 4.0, 0.0, 0.0])  # norm 5
    assert loop.clip_gradients([w], 10.0).item() == pytest.approx(5.0)
    assert torch.equal(w.grad, torch.tensor([3.0, 4.0, 0.0, 0.0]))  # within the bound: unchanged, bit for bit
    assert loop.clip_gradients([w], 1.0).item() == pytest.approx(5.0)
    torch.testing.assert_close(w.grad, torch.tensor([0.6, 0.8, 0.0, 0.0]))
    assert loop.clip_gradients([w], 0.0).item() == pytest.approx(1.0)  # no clipping: the norm only


@pytest.mark.parametrize("shape, size", [((50, 37), 32), ((64, 64), 16), ((111, 111), 16), ((300,), 128), ((10,), 256)])
def test_embed_batch_size_keeps_about_2_16_input_values_per_pass(shape, size):
    assert loop.embed_batch_size(shape) == size


def test_embed_gives_the_same_embeddings_whatever_the_batch_size():
    from norank.ml.encoders import build_encoder

    X, _ = blobs(n_per=15, shape=(60, 60))
    torch.manual_seed(0)
    model = build_encoder("cnn", X.shape[1:], dim=8, cnn_channels=(4, 8), dropout=0.5)
    model.train()
    default, one_pass = loop.embed(model, X), loop.embed(model, X, batch_size=len(X))
    assert default.shape == (45, 8) and loop.embed_batch_size(X.shape[1:]) < len(X)
    np.testing.assert_allclose(default, one_pass, atol=1e-5)
    assert model.training  # embed restores the mode it found
