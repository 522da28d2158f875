#!/usr/bin/python3
"""Tests that bench/martinez_parity.sh compares like with like: the PyTorch
side's network (bench/martinez_torch.py) has the layer shapes of the paper's
network (Sec. 3.1, Fig. 1; the C++ ParameterCount test compares the same
network with model.kind: martinez), and its P1/P2 (bench/martinez_parity.py)
equal h36m-eval's on the same predictions.

usage: martinez_parity_test.py PATH/TO/h36m-eval
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "bench"))
import martinez_parity  # noqa: E402
import martinez_torch  # noqa: E402

EVAL = sys.argv.pop(1) if len(sys.argv) > 1 else ""


class MartinezParity(unittest.TestCase):
    def test_network_has_the_papers_layer_shapes(self):
        ours = [tuple(p.shape) for p in martinez_torch.Network().parameters()]
        layer = lambda n_in, n_out: [(n_out, n_in), (n_out,), (n_out,), (n_out,)]  # Linear, BN weight and bias
        paper = layer(32, 1024) + 2 * (layer(1024, 1024) + layer(1024, 1024)) + [(48, 1024), (48,)]
        self.assertEqual(ours, paper)
        self.assertEqual(sum(np.prod(s) for s in ours), 4291632)

    def test_errors_equal_h36m_eval(self):
        if not os.path.exists(EVAL):
            self.fail(f"h36m-eval not found: {EVAL!r}")
        rng = np.random.default_rng(3)
        gt = rng.normal(scale=300.0, size=(50, 17, 3))
        gt -= gt[:, :1]
        angle = rng.uniform(-0.5, 0.5, size=50)
        c, s = np.cos(angle), np.sin(angle)
        rot = np.zeros((50, 3, 3))
        rot[:, 0, 0], rot[:, 0, 2], rot[:, 1, 1], rot[:, 2, 0], rot[:, 2, 2] = c, s, 1, -s, c
        pred = 1.1 * np.einsum("nji,nki->njk", gt, rot) + rng.normal(scale=40.0, size=gt.shape)
        pred -= pred[:, :1]  # the port's outputs: root-relative, root 0
        p1, p2 = martinez_parity.errors(pred, gt)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "pred.h5")
            with h5py.File(path, "w") as f:
                f["pred3d"], f["gt3d"] = pred.astype(np.float32), gt.astype(np.float32)
            out = subprocess.run([EVAL, "--predictions", path, "--protocols", "1,2", "--format", "json"],
                                 check=True, capture_output=True, text=True).stdout
        r = json.loads(out)["protocols"]
        self.assertAlmostEqual(r["p1"]["mean_over_frames"], p1, delta=1e-3 * p1)
        self.assertAlmostEqual(r["p2"]["mean_over_frames"], p2, delta=1e-3 * p2)
        self.assertGreater(p1 - p2, 10.0)  # the alignment removed the rotation and scale


if __name__ == "__main__":
    unittest.main()
