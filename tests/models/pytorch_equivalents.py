"""PyTorch equivalents of the hpe3d model modules, for parameter-count tests.

Written from the documented architectures (include/hpe3d/models/*.h), with
the same module names, so that the C++ test can compare every parameter and
buffer by name and shape, not only the totals:

  mlp_trunk.h      Linear -> BN1d -> ReLU -> Dropout; residual blocks of two
  pose_encoder.h   trunk + fc_mu, fc_logvar
  pose_decoder.h   trunk + fc_out
  pose_regressor.h Martinez et al. 2017: the network bench/martinez_torch.py trains
                   against hpe3d (the port's network, written from the paper, Sec. 3.1,
                   Fig. 1); other names than hpe3d's, so the C++ test compares the totals
                   and the shapes layer by layer in order
  image_decoder.h  fc, fc_bn (BN2d 256), blocks.<i>.{conv (ConvT, no bias), bn}, output (ConvT + bias)
  discriminator.h  conv<i>/linear<i> [+ bn<i> from layer 2 unless spectral norm or
                   batch_norm = false] + fc; spectral norm = torch.nn.utils.spectral_norm
                   (weight_orig parameter, weight_u / weight_v buffers)

Usage: pytorch_equivalents.py SPEC... ; prints one JSON object
  {SPEC: {"parameters": [[name, shape], ...], "buffers": [[name, shape], ...]}, ...}
SPEC is KIND:a,b,c with integer arguments:
  pose_encoder:J,D,Z,hidden,blocks
  pose_decoder:Z,J,D,hidden,blocks
  martinez:in_features,out_features,hidden,blocks
  image_decoder:Z,S
  image_discriminator:S,base_channels,spectral_norm,batch_norm
  pose_discriminator:in_features,hidden,layers,spectral_norm,batch_norm
"""
import json
import os
import sys

import torch
from torch import nn
from torch.nn.utils import spectral_norm

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import martinez_torch  # noqa: E402


class LinearBlock(nn.Module):
    def __init__(self, n_in, n_out, dropout):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.bn = nn.BatchNorm1d(n_out)
        self.dropout = nn.Dropout(dropout)


class ResidualBlock(nn.Module):
    def __init__(self, width, dropout):
        super().__init__()
        self.layer1 = LinearBlock(width, width, dropout)
        self.layer2 = LinearBlock(width, width, dropout)


class MlpTrunk(nn.Module):
    def __init__(self, n_in, hidden, blocks, dropout=0.5):
        super().__init__()
        self.input = LinearBlock(n_in, hidden, dropout)
        self.blocks = nn.ModuleList([ResidualBlock(hidden, dropout) for _ in range(blocks)])


class PoseEncoder(nn.Module):
    def __init__(self, joints, dims, latent, hidden, blocks):
        super().__init__()
        self.trunk = MlpTrunk(joints * dims, hidden, blocks)
        self.fc_mu = nn.Linear(hidden, latent)
        self.fc_logvar = nn.Linear(hidden, latent)


class PoseDecoder(nn.Module):
    def __init__(self, latent, joints, dims, hidden, blocks):
        super().__init__()
        self.trunk = MlpTrunk(latent, hidden, blocks)
        self.fc_out = nn.Linear(hidden, joints * dims)


def up(n_in, n_out, bias):
    return nn.ConvTranspose2d(n_in, n_out, 4, stride=2, padding=1, bias=bias)


class UpBlock(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.conv = up(n_in, n_out, False)
        self.bn = nn.BatchNorm2d(n_out)


class ImageDecoder(nn.Module):
    CHANNELS = 256  # at 8 x 8

    def __init__(self, latent, size):
        super().__init__()
        steps = 0
        side = 8
        while side < size:
            side *= 2
            steps += 1
        assert side == size, size
        self.fc = nn.Linear(latent, self.CHANNELS * 8 * 8)
        self.fc_bn = nn.BatchNorm2d(self.CHANNELS)
        c = self.CHANNELS
        blocks = []
        for _ in range(steps - 1):  # the first n-1 steps halve the channels
            blocks.append(UpBlock(c, c // 2))
            c //= 2
        self.blocks = nn.ModuleList(blocks)
        self.output = up(c, 3, True)  # the last maps to 3 channels (Tanh)


class ImageDiscriminator(nn.Module):
    def __init__(self, size, base, sn, bn):
        super().__init__()
        c_in, side, i = 3, size, 0
        while side > 8:  # n = log2(S / 8) layers, S -> 8
            c_out = min(base << i, 512)
            conv = nn.Conv2d(c_in, c_out, 4, stride=2, padding=1)
            setattr(self, "conv%d" % (i + 1), spectral_norm(conv) if sn else conv)
            if bn and not sn and i > 0:  # DCGAN: no BN on the first layer
                setattr(self, "bn%d" % (i + 1), nn.BatchNorm2d(c_out))
            c_in, side, i = c_out, side // 2, i + 1
        fc = nn.Linear(c_in * 8 * 8, 1)
        self.fc = spectral_norm(fc) if sn else fc


class PoseDiscriminator(nn.Module):
    def __init__(self, n_in, hidden, layers, sn, bn):
        super().__init__()
        for i in range(layers):
            lin = nn.Linear(n_in if i == 0 else hidden, hidden)
            setattr(self, "linear%d" % (i + 1), spectral_norm(lin) if sn else lin)
            if bn and not sn and i > 0:
                setattr(self, "bn%d" % (i + 1), nn.BatchNorm1d(hidden))
        fc = nn.Linear(hidden, 1)
        self.fc = spectral_norm(fc) if sn else fc


KINDS = {
    "pose_encoder": PoseEncoder,
    "pose_decoder": PoseDecoder,
    "martinez": martinez_torch.Network,
    "image_decoder": ImageDecoder,
    "image_discriminator": lambda s, b, sn, bn: ImageDiscriminator(s, b, bool(sn), bool(bn)),
    "pose_discriminator": lambda n, h, l, sn, bn: PoseDiscriminator(n, h, l, bool(sn), bool(bn)),
}


def describe(module):
    return {
        "parameters": [[n, list(p.shape)] for n, p in module.named_parameters()],
        "buffers": [[n, list(b.shape)] for n, b in module.named_buffers()],
    }


def main(specs):
    torch.manual_seed(0)
    out = {}
    for spec in specs:
        kind, _, args = spec.partition(":")
        out[spec] = describe(KINDS[kind](*[int(a) for a in args.split(",")]))
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
