#!/usr/bin/env python3
"""Writes torchvision's resnet18 as a TorchScript file for
hpe3d::models::ResNet18Encoder::load_pretrained (parameters and buffers are
matched by name; fc.* is ignored).

  export_torchvision_resnet18.py --out FILE.pt [--random-init] [--seed S]

Without --random-init the ImageNet weights (weights=DEFAULT) are used, but only
if torchvision already has them in its local cache (TORCH_HOME / ~/.cache/torch):
nothing is downloaded. Uses Debian's python3-torch and python3-torchvision.
"""
import argparse
import os
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output TorchScript file")
    ap.add_argument("--random-init", action="store_true",
                    help="torchvision's random initialisation instead of ImageNet weights")
    ap.add_argument("--seed", type=int, default=0, help="torch.manual_seed for --random-init")
    args = ap.parse_args()

    try:
        import torch
        import torchvision
    except ImportError as e:
        sys.exit(f"export_torchvision_resnet18: {e}; install the Debian packages "
                 "python3-torch and python3-torchvision")

    torch.manual_seed(args.seed)
    if args.random_init:
        model = torchvision.models.resnet18(weights=None)
    else:
        weights = torchvision.models.ResNet18_Weights.DEFAULT
        cached = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(weights.url))
        if not os.path.isfile(cached):
            sys.exit(f"export_torchvision_resnet18: pretrained weights not in the local cache "
                     f"({cached}); nothing is downloaded. Copy the file there, or pass "
                     f"--random-init")
        model = torchvision.models.resnet18()
        model.load_state_dict(torch.load(cached, map_location="cpu"))
    model.eval()
    torch.jit.script(model).save(args.out)
    print(f"wrote {args.out} (resnet18, {'random init, seed %d' % args.seed if args.random_init else weights})")


if __name__ == "__main__":
    main()
