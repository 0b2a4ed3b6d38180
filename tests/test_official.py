"""The official recipe's pieces (norank.ml.official), each against numbers worked out by hand."""

import numpy as np
import pytest
import torch

from norank.ml.loop import Batch, encoder_rate
from norank.recipes import OFFICIAL_OPTIONS as RECIPE
from norank.ml.official import (
    OfficialEncoder,
    OfficialObjective,
    local_preservation_loss,
    official_triplets,
)


@pytest.mark.parametrize("shape", [(50, 37), (64, 64), (111, 111)])
def test_the_encoder_has_the_official_models_parameter_count(shape):
    # FaceMetricLearningModel (models.py), weights + biases (+ batch-norm scale and shift):
    #   conv 1->32: 9*32 + 32 = 320, BN 64; conv 32->64: 9*32*64 + 64 = 18 496, BN 128;
    #   conv 64->128: 9*64*128 + 128 = 73 856, BN 256;        convolutions: 93 120
    #   linear 2048->512: 1 048 576 + 512 = 1 049 088, BN 1 024; linear 512->128: 65 536 + 128
    #   = 65 664, BN 256; linear 128->128: 16 384 + 128 = 16 512;      head: 1 132 544
    # the adaptive 4x4 pool makes the head's input 128*4*4 = 2048 for any image size
    enc = OfficialEncoder(shape)
    assert sum(p.numel() for p in enc.parameters()) == 93_120 + 1_132_544 == 1_225_664
    enc.eval()
    z = enc(torch.randn(3, *shape))
    assert z.shape == (3, 128) and torch.allclose(z.norm(dim=1), torch.ones(3))


def test_mining_takes_the_first_input_neighbour_of_the_class_and_the_first_embedding_neighbour_of_another():
    # four samples on a line in input space (0, 1, 3, 4.5) and in the embedding (0, 4, 1, 2)
    X0 = torch.tensor([[0.0], [1.0], [3.0], [4.5]])
    E = torch.tensor([[0.0], [4.0], [1.0], [2.0]])
    y = torch.tensor([0, 0, 1, 1])
    a, p, n, fallback = official_triplets(E, y, X0, k=2, generator=torch.Generator().manual_seed(0))
    # input neighbours (self dropped, k = 2): 0 -> 1, 2; 1 -> 0, 2; 2 -> 3, 1; 3 -> 2, 1
    # positives (first of the class): 0 -> 1, 1 -> 0, 2 -> 3, 3 -> 2
    # embedding neighbours (ties in batch order): 0 -> 2, 3; 1 -> 3, 2; 2 -> 0, 3; 3 -> 2, 0
    # negatives (first of another class): 0 -> 2, 1 -> 3, 2 -> 0, 3 -> 0
    assert not fallback
    assert a.tolist() == [0, 1, 2, 3] and p.tolist() == [1, 0, 3, 2] and n.tolist() == [2, 3, 0, 0]


def test_an_anchor_without_a_positive_among_its_input_neighbours_is_skipped():
    X0 = torch.tensor([[0.0], [1.0], [2.0], [10.0]])
    E = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    y = torch.tensor([0, 1, 0, 1])
    # k = 1: the nearest input neighbour of 0 is 1 (class 1), of 1 is 0 (class 0), of 2 is 1, of 3 is 2
    # -> no sample has a positive among its neighbours: the random fallback picks any positive
    a, p, n, fallback = official_triplets(E, y, X0, k=1, generator=torch.Generator().manual_seed(0))
    assert fallback and len(a) == 4
    assert (y[p] == y[a]).all() and (p != a).all() and (y[n] != y[a]).all()
    # with k = 2: 0 -> 1, 2 finds 2; 1 -> 0, 2 finds none (skipped); 2 -> 1, 0 finds 0; 3 -> 2, 1 finds 1
    a, p, n, fallback = official_triplets(E, y, X0, k=2, generator=torch.Generator().manual_seed(0))
    assert not fallback and a.tolist() == [0, 2, 3] and p.tolist() == [2, 0, 1]


def test_the_local_preservation_term_by_hand():
    # 1-D embeddings 0, 1, 1.05, 0.48; distances from each, in batch order:
    #   0: 0, 1, 1.05, .48    1: 1, 0, .05, .52    2: 1.05, .05, 0, .57    3: .48, .52, .57, 0
    E = torch.tensor([[0.0], [1.0], [1.05], [0.48]])
    # k = 1: nearest 0 -> 3, 1 -> 2, 2 -> 1, 3 -> 0; first other in batch order (not self, not the
    # nearest): 0 -> 1 (1), 1 -> 0 (1), 2 -> 0 (1.05), 3 -> 1 (.52); hinges (near - other + .1)+:
    # 0, 0, 0, .48 - .52 + .1 = .06; summed and divided by the batch size 4
    assert local_preservation_loss(E, k=1).item() == pytest.approx(0.06 / 4, abs=1e-6)
    # k = 2: sample 3's nearest are 0, 1 (mean .5), its one other is 2 (.57): .5 - .57 + .1 = .03;
    # 0: (.48 + 1) / 2 - 1.05 + .1 < 0; 1: (.05 + .52) / 2 - 1 + .1 < 0; 2: (.05 + .57) / 2 - 1.05 + .1 < 0
    assert local_preservation_loss(E, k=2).item() == pytest.approx(0.03 / 4, abs=1e-6)
    # three samples, k = 2: nobody has an "other" left, nothing counts
    assert local_preservation_loss(E[:3], k=2).item() == 0.0


def test_the_triplet_term_is_the_unsquared_hinge_with_margin_one():
    # a batch of 2 + 2 in 2-D; the objective mines (a, p, n) and averages (|a-p| - |a-n| + 1)+
    Z = torch.tensor([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [-1.0, 0.0]], requires_grad=True)
    y = torch.tensor([0, 0, 1, 1])
    inputs = torch.tensor([[0.0], [1.0], [5.0], [6.0]])
    obj = OfficialObjective(inputs, "official_fixed", alpha=0.0, k=1)
    batch = Batch(y=y, src=torch.arange(4), src_host=np.arange(4), knn=None, Z_nbr=None,
                  generator=torch.Generator().manual_seed(0))
    step = obj(Z, batch)
    # positives: 0<->1, 2<->3 (input neighbours); negatives, first embedding neighbour of another class:
    # 0: nearest is 1 (0.894), 2 (1.414) -> with k = 1 only 1, same class -> random other (2 or 3)
    d = torch.cdist(Z.detach(), Z.detach())
    a, p, n, _ = official_triplets(Z.detach(), y, inputs, 1, torch.Generator().manual_seed(0))
    by_hand = torch.clamp(d[a, p] - d[a, n] + 1.0, min=0).mean()
    assert step.terms["triplet"].item() == pytest.approx(by_hand.item(), abs=1e-5)
    assert step.loss.item() == pytest.approx(by_hand.item(), abs=1e-5)  # alpha 0: no local term
    step.loss.backward()
    assert torch.isfinite(Z.grad).all()


def test_as_written_the_mining_reads_the_first_samples_not_the_batch():
    # the batch holds fitting rows 4, 5 (labels 0, 0) and 6, 7 (labels 1, 1); their own inputs make
    # positions 0<->1 and 2<->3 neighbours, while rows 0-3 of the training set (what the official loop
    # passes) put positions 0<->2 and 1<->3 together: of different classes, so no positive
    inputs = torch.tensor([[0.0], [10.0], [0.1], [10.1], [30.0], [30.1], [50.0], [50.1]])
    src = torch.tensor([4, 5, 6, 7])
    y = torch.tensor([0, 0, 1, 1])
    Z = torch.nn.functional.normalize(torch.randn(4, 3, generator=torch.Generator().manual_seed(1)), dim=1)
    batch = Batch(y=y, src=src, src_host=src.numpy(), knn=None, Z_nbr=None, generator=torch.Generator().manual_seed(0))
    fixed = OfficialObjective(inputs, "official_fixed", k=1)(Z, batch)
    as_written = OfficialObjective(inputs, "official", k=1)(Z, batch)
    assert fixed.stats.tolist() == [4.0, 0.0]  # every sample found its positive
    assert as_written.stats.tolist() == [4.0, 1.0]  # none did: the random fallback ran


def test_the_official_optimiser_groups_and_recipe():
    enc = OfficialEncoder((16, 16))
    groups = encoder_rate(OfficialObjective(torch.zeros(4, 256)).param_groups(enc), enc, 1e-5)
    assert groups[0]["lr"] == 1e-5 and "lr" not in groups[1]  # the head takes the configured rate (1e-4)
    assert [len(g["params"]) for g in groups] == [len(list(enc.conv_encoder.parameters())),
                                                  len(list(enc.projection_head.parameters()))]
    assert RECIPE["lr"] == 1e-4 and RECIPE["batch_size"] == 16 and RECIPE["grad_clip"] == 1.0
    with pytest.raises(Exception, match="variant 'officiall' is unknown"):
        OfficialObjective(torch.zeros(4, 4), "officiall")


@pytest.mark.parametrize("variant", ["official", "official_fixed"])
def test_the_recipe_trains_in_the_shared_loop_and_separates_classes(variant):
    from norank.ml.train import TrainConfig, train_embedding

    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 16)
    X = (rng.normal(size=(3, 12, 12))[y] + 0.5 * rng.normal(size=(48, 12, 12))).astype(np.float32)
    options = {**RECIPE, "loss": variant, "epochs": 6, "batch_size": 8, "lr": 1e-3, "lr_encoder": 1e-3,
               "device": "cpu", "eval_every": 1}
    res = train_embedding(X, y, np.arange(48), TrainConfig.from_dict(options), seed=0, progress=False)
    h = res.history
    assert [r["epoch"] for r in h] == list(range(1, 7)) and res.best_epoch == 6 and len(res.val_idx) == 0
    assert {"triplet", "local", "total", "triplets_per_batch", "fallback_batches"} <= set(h[0])
    assert h[-1]["train_separation_ratio"] > h[0]["train_separation_ratio"]
