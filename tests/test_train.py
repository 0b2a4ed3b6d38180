"""The trainer: determinism, no leakage of held-out samples, divergence, and that it learns."""

import logging

import numpy as np
import pytest

from norank.metrics import separation_ratio
from norank.ml.train import TrainConfig, TrainingDiverged, embed, train_embedding
from norank.splits import split_indices, stratified_holdout

SMALL = dict(epochs=4, classes_per_batch=3, batch_size=12, embedding_dim=8, mlp_hidden=(32,),
             cnn_channels=(4, 8), patience=10, val_fraction=0.2)


def blobs(n_per=12, C=3, shape=(6, 6), seed=0, spread=1.0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, size=(C,) + shape)
    X = np.concatenate([centres[c] + spread * rng.normal(size=(n_per,) + shape) for c in range(C)]).astype(np.float32)
    return X, np.repeat(np.arange(C), n_per)


@pytest.mark.parametrize("encoder", ["mlp", "cnn"])
def test_same_seed_gives_bit_identical_embeddings(encoder):
    X, y = blobs()
    cfg = TrainConfig(encoder=encoder, noise_p=0.5, dropout=0.1, **SMALL)
    runs = [embed(train_embedding(X, y, np.arange(len(y)), cfg, seed=7, progress=False).model, X) for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    other = embed(train_embedding(X, y, np.arange(len(y)), cfg, seed=8, progress=False).model, X)
    assert not np.array_equal(runs[0], other)


def test_held_out_samples_never_reach_training():
    """Poison every held-out sample (and its augmented copies) with NaN: training must not notice,
    and must give exactly the model it gives when they are clean."""
    X, y = blobs(n_per=10)
    train_idx, test_idx = split_indices(y, "fold1", n_folds=5, split_seed=0)
    X_aug = X + 0.01
    src = np.arange(len(y))
    cfg = TrainConfig(encoder="mlp", **SMALL)
    clean = train_embedding(X, y, train_idx, cfg, seed=1, X_aug=X_aug, aug_source=src, progress=False)
    Xp, Xa = X.copy(), X_aug.copy()
    Xp[test_idx] = np.nan
    Xa[test_idx] = np.nan
    poisoned = train_embedding(Xp, y, train_idx, cfg, seed=1, X_aug=Xa, aug_source=src, progress=False)
    assert not set(poisoned.fit_idx) & set(test_idx) and not set(poisoned.val_idx) & set(test_idx)
    np.testing.assert_array_equal(embed(clean.model, X[train_idx]), embed(poisoned.model, X[train_idx]))


def test_validation_is_carved_from_training_samples_stratified():
    y = np.repeat(np.arange(4), 10)
    fit, val = stratified_holdout(np.arange(40), y, 0.2, np.random.default_rng(0))
    assert np.bincount(y[val]).tolist() == [2, 2, 2, 2] and not set(fit) & set(val)


def test_diverging_run_names_the_term_and_epoch():
    X, y = blobs()
    X *= 1e37  # finite in float32, overflows inside the first layer
    cfg = TrainConfig(encoder="mlp", **SMALL)
    with pytest.raises(TrainingDiverged, match=r"epoch 1 .*(non-finite|collapsed)"):
        train_embedding(X, y, np.arange(len(y)), cfg, seed=0, progress=False)


def test_training_reduces_loss_and_raises_separation():
    X, y = blobs(n_per=16, spread=2.5, shape=(8, 8))
    cfg = TrainConfig(encoder="mlp", **{**SMALL, "epochs": 25, "val_fraction": 0.0})
    res = train_embedding(X, y, np.arange(len(y)), cfg, seed=0, progress=False)
    h = res.history
    assert np.mean([r["total"] for r in h[-5:]]) < np.mean([r["total"] for r in h[:3]])
    assert h[-1]["train_separation_ratio"] > h[0]["train_separation_ratio"]
    # every logged term and the diagnostics are in each row
    assert {"triplet", "diversity", "uniformity", "local", "global", "total", "active_batch_triplets", "lr"} <= set(h[0])


def test_unknown_training_option_is_named():
    with pytest.raises(Exception, match="unknown training option"):
        TrainConfig.from_dict({"epochs": 3, "marginn": 0.2})
    cfg = TrainConfig.from_dict({"epochs": 3, "margin": 0.3, "mlp_hidden": [8]})
    assert cfg.weights.margin == 0.3 and cfg.mlp_hidden == (8,)


def test_device_choice_and_override():
    import torch

    from norank.errors import NorankError
    from norank.ml.device import pick_device

    auto = pick_device("auto")
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert auto.type == expected
    assert pick_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(NorankError, match="CUDA is not available"):
            pick_device("cuda")


@pytest.mark.parametrize("encoder", ["cnn", "official_cnn"])
def test_cnn_channels_last_layout_computes_the_same_function(encoder):
    """Both CNNs run their convolutions channels-last for speed; the same weights in the default
    layout must give the same embeddings (to float rounding), in train and eval mode."""
    import torch

    from norank.ml.encoders import build_encoder

    torch.manual_seed(0)
    options = dict(cnn_channels=(4, 8)) if encoder == "cnn" else {}
    fast = build_encoder(encoder, (12, 10), dim=8, **options)
    plain = build_encoder(encoder, (12, 10), dim=8, **options).to(memory_format=torch.contiguous_format)
    plain.load_state_dict(fast.state_dict())
    if encoder == "cnn":  # its forward puts the input channels-last; the plain one keeps the default
        plain.forward = lambda x: torch.nn.functional.normalize(
            plain.out(plain.drop(plain.body(x.unsqueeze(1)).mean(dim=(2, 3)))), dim=1)
    second = [m for m in fast.modules() if isinstance(m, torch.nn.Conv2d)][1]  # the first has 1 input channel
    plain_second = [m for m in plain.modules() if isinstance(m, torch.nn.Conv2d)][1]
    assert second.weight.is_contiguous(memory_format=torch.channels_last)
    assert not plain_second.weight.is_contiguous(memory_format=torch.channels_last)
    x = torch.randn(5, 12, 10)
    for mode in (True, False):
        fast.train(mode), plain.train(mode)
        torch.manual_seed(1)  # the official head's dropout draws the same mask in both
        a = fast(x)
        torch.manual_seed(1)
        # the official CNN's 2048-512-128 head with two batch norms adds rounding: 1.4e-6 seen on unit-norm rows
        tol = dict(rtol=1e-5, atol=1e-6) if encoder == "cnn" else dict(rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(a, plain(x), **tol)


def test_the_cnn_pools_before_its_relu_with_the_function_and_gradients_of_relu_then_pool():
    """ConvEncoder's blocks run MaxPool before ReLU (cheaper); the same modules in the written order
    Conv -> BN -> ReLU -> MaxPool give the same embeddings and the same weight gradients."""
    import torch

    from norank.ml.encoders import build_encoder

    torch.manual_seed(0)
    fast = build_encoder("cnn", (16, 12), dim=8, cnn_channels=(4, 8))
    mods = list(fast.body)
    assert [type(m).__name__ for m in mods[:4]] == ["Conv2d", "BatchNorm2d", "MaxPool2d", "ReLU"]
    written = torch.nn.Sequential(*[m for i in range(0, len(mods), 4) for m in (mods[i], mods[i + 1], mods[i + 3],
                                                                                 mods[i + 2])])
    x = torch.randn(6, 16, 12)

    def embed(body):
        fast.zero_grad()
        h = body(x.unsqueeze(1).contiguous(memory_format=torch.channels_last)).mean(dim=(2, 3))
        z = torch.nn.functional.normalize(fast.out(h), dim=1)
        (z[:, 0] ** 2).sum().backward()
        return z.detach(), [p.grad.clone() for p in fast.parameters()]

    z_fast, g_fast = embed(fast.body)
    z_written, g_written = embed(written)
    torch.testing.assert_close(z_fast, z_written, rtol=0, atol=1e-6)
    for a, b in zip(g_fast, g_written):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_the_paper_protocol_fits_every_sample_for_every_epoch_and_keeps_the_last():
    from norank.plan import training_options

    X, y = blobs(n_per=10)
    options = {**SMALL, "epochs": 6, "patience": 1, "eval_every": 1}  # patience 1 would stop a validated run
    res = train_embedding(X, y, np.arange(len(y)), TrainConfig(encoder="mlp", **training_options(options, "all")),
                          seed=0, progress=False)
    assert len(res.val_idx) == 0 and sorted(res.fit_idx) == list(range(len(y)))
    assert [r["epoch"] for r in res.history] == [1, 2, 3, 4, 5, 6] and res.best_epoch == 6


def test_the_objective_registry_matches_the_config_schema_and_says_which_read_labels(repo):
    import yaml

    from norank.errors import NorankError
    from norank.ml.loss_zoo import LOSSES
    from norank.ml.objectives import OBJECTIVES, objective_spec

    schema = yaml.safe_load((repo / "workflow" / "schemas" / "config.schema.yaml").read_text())
    assert sorted(OBJECTIVES) == sorted(schema["$defs"]["train"]["properties"]["loss"]["enum"])  # every name a config may write
    compared = schema["properties"]["loss_comparison"]["properties"]["losses"]["items"]["enum"]
    assert compared == ["eq13", *LOSSES]  # the loss comparison: eq. 13 against the loss zoo
    assert [name for name, spec in OBJECTIVES.items() if not spec.supervised] == ["plm"]
    assert objective_spec(TrainConfig().loss) is OBJECTIVES["eq13"]
    with pytest.raises(NorankError, match=r"loss 'paper' \(training option loss\) is now called 'eq13'"):
        objective_spec("paper")
    with pytest.raises(NorankError, match="is unknown; use one of eq13, contrastive"):
        objective_spec("hinge")



def test_the_sampler_option_overrides_the_objectives_and_is_checked(monkeypatch):
    import norank.ml.loop as loop

    X, y = blobs()
    seen = []
    real = loop.epoch_batches
    monkeypatch.setattr(loop, "epoch_batches", lambda pool, sampler, cfg, rng: seen.append(
        (sampler, cfg.sampler)) or real(pool, sampler, cfg, rng))
    cfg = TrainConfig(encoder="mlp", sampler="shuffled", **{**SMALL, "epochs": 1})
    train_embedding(X, y, np.arange(len(y)), cfg, seed=0, progress=False)
    assert seen and seen[0] == ("pk", "shuffled")  # eq. 13's own sampler is pk; the option wins
    with pytest.raises(Exception, match="sampler='random' is unknown; use auto, pk or shuffled"):
        TrainConfig(sampler="random")


def test_lr_encoder_gives_the_convolutions_their_own_rate_and_refuses_an_mlp():
    import torch

    from norank.ml.encoders import ConvEncoder, MLPEncoder
    from norank.ml.loop import encoder_rate

    enc = ConvEncoder((8, 8), channels=(4, 8), dim=4)
    groups = encoder_rate([{"params": list(enc.parameters())}], enc, 1e-5)
    assert groups[0]["lr"] == 1e-5 and len(groups[0]["params"]) == len(list(enc.body.parameters()))
    assert {id(q) for q in groups[1]["params"]} == {id(q) for q in enc.out.parameters()}
    assert encoder_rate([{"params": [torch.zeros(1)]}], enc, None)[0]["params"][0].shape == (1,)
    with pytest.raises(Exception, match="lr_encoder=1e-05 .* MLPEncoder has no convolutions"):
        encoder_rate([], MLPEncoder(16, hidden=(8,), dim=4), 1e-5)


def test_eq13_takes_the_unsquared_distance_and_names_an_unknown_loss_option():
    X, y = blobs()
    cfg = TrainConfig(encoder="mlp", loss_options={"distance": "euclidean"}, **SMALL)
    assert np.isfinite(train_embedding(X, y, np.arange(len(y)), cfg, seed=0, progress=False).history[-1]["total"])
    with pytest.raises(Exception, match=r"loss_options: \['alpha'\] are not options of loss eq13"):
        train_embedding(X, y, np.arange(len(y)), TrainConfig(encoder="mlp", loss_options={"alpha": 1}, **SMALL),
                        seed=0, progress=False)


def test_auto_picks_the_mlp_for_samples_the_cnn_would_pool_below_one_pixel():
    """6 sensor channels x 100 time points crashed the default recipe inside torch's max-pool (issue 34);
    auto now takes the MLP there, and an explicit cnn says why it cannot and what to use."""
    from norank.ml.encoders import ConvEncoder, MLPEncoder, build_encoder

    assert isinstance(build_encoder("auto", (6, 100), cnn_channels=(16, 32, 64)), MLPEncoder)
    assert isinstance(build_encoder("auto", (8, 100), cnn_channels=(16, 32, 64)), ConvEncoder)
    assert isinstance(build_encoder("auto", (6, 100), cnn_channels=(16, 32)), ConvEncoder)  # two pools: 6 -> 1
    with pytest.raises(Exception, match=r"needs sides of at least 8; the samples are 6x100. Use encoder: mlp"):
        build_encoder("cnn", (6, 100), cnn_channels=(16, 32, 64))
    X, y = blobs(shape=(3, 20))
    cfg = TrainConfig(encoder="auto", **SMALL)  # (4, 8): two pools need sides of 4
    assert np.isfinite(train_embedding(X, y, np.arange(len(y)), cfg, seed=0, progress=False).history[-1]["total"])


@pytest.mark.parametrize("shape", [(6, 100), (100, 6), (3, 3), (8, 8, 3), (1, 500), (200, 200)])
@pytest.mark.parametrize("recipe", ["eq13", "official"])
def test_every_sample_shape_a_sheet_passes_trains_with_every_recipe(repo, shape, recipe):
    """The options a sheet dataset's job gets (norank.job_params.train, default config) train on any
    sample shape: the encoder follows the shape (eq. 13's auto: the CNN only where its pools fit; the
    official recipe's CNN only for 2-D samples with sides of at least 4, else our MLP)."""
    from test_plan import load_config

    from norank import job_params
    from norank.ml.encoders import ConvEncoder, MLPEncoder
    from norank.ml.official import OfficialEncoder

    config = load_config(repo)
    config["datasets"] = {"mine": {"source": "tensor", "data": "x.npz", "shape": "x".join(map(str, shape))}}
    options = {**job_params.train(config, "mine", "all", recipe), "epochs": 1, "batch_size": 12}
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 6)
    X = rng.normal(size=(18, *shape)).astype(np.float32)
    result = train_embedding(X, y, np.arange(18), TrainConfig.from_dict(options), seed=0, progress=False)
    assert np.isfinite(embed(result.model, X, result.device)).all()
    expected = {("eq13", (200, 200)): ConvEncoder, ("official", (6, 100)): OfficialEncoder,
                ("official", (100, 6)): OfficialEncoder, ("official", (200, 200)): OfficialEncoder}
    assert type(result.model) is expected.get((recipe, shape), MLPEncoder)


def test_the_official_cnn_named_on_a_shape_it_cannot_take_says_what_to_set():
    from norank.ml.encoders import build_encoder

    with pytest.raises(Exception, match=r"official recipe's CNN needs \(H, W\) samples with both sides at least 4 .*"
                                        r"got sample shape \(3, 3\); set the dataset's official_recipe: "
                                        r"\{encoder: mlp\}"):
        build_encoder("official_cnn", (3, 3))


def test_a_compiled_encoder_trains_to_the_eager_result_and_a_failing_compiler_falls_back_with_one_line(caplog):
    """compile: true trains the same model as eager (without dropout, to float tolerance: inductor's
    kernels sum in another order; with dropout its masks come from inductor's own generator, so a
    compiled run is another draw, the same for the same seed) and keeps the checkpoint's keys;
    where the compiler fails, training goes on eager with one warning naming why (issue 37: not
    silently)."""
    import logging

    import torch
    import torch.nn as nn

    from norank.ml.device import compile_encoder

    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 6, 6)).astype(np.float32)
    y = np.repeat(np.arange(4), 12)
    base = dict(encoder="mlp", epochs=2, batch_size=16, classes_per_batch=4, eval_every=1, device="cpu",
                mlp_hidden=(32,), embedding_dim=8, dropout=0.0)
    eager = train_embedding(X, y, np.arange(48), TrainConfig.from_dict(base), seed=0, progress=False)
    compiled = train_embedding(X, y, np.arange(48), TrainConfig.from_dict({**base, "compile": True}), seed=0,
                               progress=False)
    assert compiled.model.state_dict().keys() == eager.model.state_dict().keys()
    for a, b in zip(eager.model.state_dict().values(), compiled.model.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-4), (a - b).abs().max()
    drop = TrainConfig.from_dict({**base, "compile": True, "dropout": 0.3})
    once, again = (train_embedding(X, y, np.arange(48), drop, seed=0, progress=False) for _ in range(2))
    assert all(torch.equal(a, b) for a, b in zip(once.model.state_dict().values(), again.model.state_dict().values()))

    class Broken(nn.Linear):
        def compile(self, *args, **kwargs):
            raise RuntimeError("no C++ compiler found\nmore detail")

    model = Broken(4, 2)
    with caplog.at_level(logging.WARNING, logger="t"):
        assert compile_encoder(model, torch.zeros(3, 4), logging.getLogger("t")) is False
    assert [r.getMessage() for r in caplog.records if r.name == "t"] == [
        "torch.compile is not available here (RuntimeError: no C++ compiler found); training the encoder eager"]
