"""Split names, their protocol, and the index splits they stand for."""

import numpy as np
import pytest

from norank.errors import NorankError
from norank.splits import Split, split_indices


@pytest.mark.parametrize("name", ["all", "fold0", "fold3", "fold12"])
def test_split_names_round_trip(name):
    assert str(Split.parse(name)) == name


def test_a_split_knows_its_fold_and_protocol():
    assert Split.parse("all") == Split.all() and Split.all().fold_index is None
    assert Split.all().protocol == "paper"
    assert Split.parse("fold3") == Split.fold(3) and Split.fold(3).fold_index == 3
    assert Split.fold(3).protocol == "heldout"


@pytest.mark.parametrize("name", ["fold", "fold-1", "Fold1", "all0", "heldout", "fold1x"])
def test_bad_split_names_are_refused(name):
    with pytest.raises(NorankError, match="use 'all' or fold"):
        Split.parse(name)


def test_a_fold_beyond_the_fold_count_is_refused_by_name():
    assert Split.parse("fold4", n_folds=5) == Split.fold(4)
    with pytest.raises(NorankError, match=r"'fold5' is unknown; use 'all' or fold0..fold4"):
        Split.parse("fold5", n_folds=5)
    with pytest.raises(NorankError, match="fold index"):
        Split.fold(-1)


def test_split_indices_take_a_split_or_its_name():
    y = np.repeat(np.arange(3), 6)
    train, test = split_indices(y, "all", n_folds=3)
    assert train.tolist() == list(range(len(y))) and len(test) == 0
    by_name = split_indices(y, "fold2", n_folds=3, split_seed=1)
    by_value = split_indices(y, Split.fold(2), n_folds=3, split_seed=1)
    for a, b in zip(by_name, by_value):
        np.testing.assert_array_equal(a, b)
    assert len(by_name[1]) == 6 and not set(by_name[0]) & set(by_name[1])
    with pytest.raises(NorankError, match="fold0..fold2"):
        split_indices(y, "fold3", n_folds=3)
