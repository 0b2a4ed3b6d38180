"""Example images per class for Figure 4."""

import numpy as np

from norank.examples import class_examples


def test_class_examples_one_list_per_class():
    y = np.array([0, 0, 0, 1, 1, 2])
    ex = class_examples(y, 2, seed=0, n_classes=4)
    assert [len(e) for e in ex] == [2, 2, 1, 0] and all((y[e] == c).all() for c, e in enumerate(ex))
