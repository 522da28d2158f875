#!/usr/bin/env python3
"""Writes a small Human3.6M tree in the layout of Martinez et al. (2017) and,
independently of hpe3d, the camera-frame 3D joints and distorted 2D projections
that `h36m-prepare martinez` must produce from it.

usage: make_martinez_tree.py CAMERA_JSON OUT_DIR
  CAMERA_JSON: the shared h36m_sample.json (real calibrations of S1, S9)
  OUT_DIR/h36m/S<k>/MyPoses/3D_positions/*.h5, OUT_DIR/cameras.h5,
  OUT_DIR/expected.h5 (per sequence file and camera: pose3d, pose2d)
"""
import json
import os
import sys

import h5py
import numpy as np

KEEP = [0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27]
FILES = {1: ["Directions 1", "Directions", "SittingDown 2", "Sitting 1", "_ALL"],
         9: ["WalkDog 1", "TakingPhoto", "Walking 1", "WalkTogether 2"]}


def project(x_cam, cam):
    x = x_cam[..., :2] / x_cam[..., 2:3]
    r2 = (x ** 2).sum(-1, keepdims=True)
    k, p = np.array(cam["k"]), np.array(cam["p"])
    radial = 1 + k[0] * r2 + k[1] * r2 ** 2 + k[2] * r2 ** 3
    tan = p[0] * x[..., 1:2] + p[1] * x[..., 0:1]
    xd = x * (radial + tan) + np.array([p[1], p[0]]) * r2
    return xd * np.array(cam["f"]) + np.array(cam["c"])


def main(camera_json, out):
    cams = json.load(open(camera_json))["cameras"]
    rng = np.random.default_rng(7)
    with h5py.File(os.path.join(out, "cameras.h5"), "w") as cf, \
         h5py.File(os.path.join(out, "expected.h5"), "w") as ef:
        for subject, names in FILES.items():
            mine = sorted((c for c in cams if c["subject"] == f"S{subject}"), key=lambda c: c["camera_index"])
            for c in mine:
                g = cf.create_group(f"subject{subject}/camera{c['camera_index']}")
                g["R"] = np.array(c["R"]).T  # stored transposed, as in the original file
                g["T"] = np.array(c["T_mm"]).reshape(3, 1)
                g["f"] = np.array(c["f"]).reshape(2, 1)
                g["c"] = np.array(c["c"]).reshape(2, 1)
                g["k"] = np.array(c["k"]).reshape(3, 1)
                g["p"] = np.array(c["p"]).reshape(2, 1)
                g["Name"] = np.frombuffer(c["camera_id"].encode(), dtype=np.uint8)
            d = os.path.join(out, "h36m", f"S{subject}", "MyPoses", "3D_positions")
            os.makedirs(d, exist_ok=True)
            for name in names:
                t = int(rng.integers(5, 12))
                # A person near the world origin, ~1 m above the floor, moving a little.
                world = rng.normal(0, 300, (t, 32, 3)) + np.array([0, 0, 1000])
                world += np.linspace(0, 200, t)[:, None, None]
                with h5py.File(os.path.join(d, name + ".h5"), "w") as f:
                    f["3D_positions"] = world.reshape(t, 96).T  # (96, T)
                if name.startswith("_"):
                    continue  # not an action: h36m-prepare skips it
                for c in mine:
                    r, tt = np.array(c["R"]), np.array(c["T_mm"])
                    x_cam = (world[:, KEEP] - tt) @ r.T
                    key = f"S{subject}/{name}/{c['camera_index']}"
                    ef[key + "/pose3d"] = x_cam
                    ef[key + "/pose2d"] = project(x_cam, c)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
