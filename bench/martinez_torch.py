"""Martinez et al.'s network and data in plain PyTorch, as the public PyTorch
port of "A simple yet effective baseline for 3d human pose estimation" (2017)
builds them; shared by bench/speed_vs_pytorch.py (speed),
bench/martinez_parity.py (accuracy) and tests/models/pytorch_equivalents.py
(the C++ ParameterCount test compares it with model.kind: martinez). It must stay equal to hpe3d's
model.kind: martinez (models/pose_regressor.h) and its data path
(model.joints_2d: 16, model.joints_3d: 16, data.root_centre_2d: false).

numpy, h5py, torch (Debian: python3-numpy, python3-h5py, python3-torch).
"""
import h5py
import numpy as np
import torch
from torch import nn

# Linear(16*2 -> 1024) + BN + ReLU + Dropout(0.5), 2 residual blocks of two such
# layers, Linear(1024 -> 16*3); Kaiming-normal weights, PyTorch's default biases.
HIDDEN, BLOCKS, DROPOUT = 1024, 2, 0.5
NECK = 9  # Neck/Nose in the 17-joint order: not in the 2D input
IN_DIM, OUT_DIM = 16 * 2, 16 * 3


class LinearBlock(nn.Module):
    def __init__(self, d_in, d_out, dropout):
        super().__init__()
        self.linear, self.bn = nn.Linear(d_in, d_out), nn.BatchNorm1d(d_out)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(torch.relu(self.bn(self.linear(x))))


class Residual(nn.Module):
    def __init__(self, width, dropout):
        super().__init__()
        self.layer1, self.layer2 = LinearBlock(width, width, dropout), LinearBlock(width, width, dropout)

    def forward(self, x):
        return x + self.layer2(self.layer1(x))


class Network(nn.Module):
    """The paper's sizes by default; tests/models/pytorch_equivalents.py builds others."""

    def __init__(self, n_in=IN_DIM, n_out=OUT_DIM, hidden=HIDDEN, blocks=BLOCKS, dropout=DROPOUT):
        super().__init__()
        self.input = LinearBlock(n_in, hidden, dropout)
        self.blocks = nn.Sequential(*[Residual(hidden, dropout) for _ in range(blocks)])
        self.fc_out = nn.Linear(hidden, n_out)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        return self.fc_out(self.blocks(self.input(x)))


def linear_flop_per_sample(model):
    """2 * in * out per Linear, forward."""
    return sum(2 * m.in_features * m.out_features for m in model.modules() if isinstance(m, nn.Linear))


def load_split(path, subjects):
    """(pose2d [N, 32] absolute px without Neck/Nose, pose3d [N, 48] mm, root-relative, root dropped)."""
    with h5py.File(path, "r") as f:
        keep = np.isin(f["subject"][:], subjects)
        p2 = np.delete(f["pose2d"][:][keep], NECK, axis=1).reshape(-1, IN_DIM).astype(np.float32)
        p3 = f["pose3d"][:][keep].astype(np.float64)
    return p2, (p3[:, 1:] - p3[:, :1]).reshape(-1, OUT_DIM).astype(np.float32)


class ZScore:
    """Per-coordinate mean/std of the training split (the port's normalize_data)."""

    def __init__(self, a):
        self.mean, self.std = a.mean(0), a.std(0)

    def __call__(self, a):
        return ((a - self.mean) / self.std).astype(np.float32)

    def inverse(self, a):
        return a * self.std + self.mean
