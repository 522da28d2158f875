#!/usr/bin/env python3
"""Independent check of an hpe3d pose file: projects /pose3d with the file's
own calibrations (numpy, Human3.6M distortion model) and compares with
/pose2d; also maps the camera-frame poses back to the world and checks that
all cameras of a subject agree on each frame.

usage: check_projection.py FILE.h5   (prints max errors; exit 1 if > 0.01 px / 0.01 mm)
"""
import sys

import h5py
import numpy as np


def project(x, c):
    xy = x[..., :2] / x[..., 2:3]
    r2 = (xy ** 2).sum(-1, keepdims=True)
    k, p = c["k"][:], c["p"][:]
    radial = 1 + k[0] * r2 + k[1] * r2 ** 2 + k[2] * r2 ** 3
    tan = p[0] * xy[..., 1:2] + p[1] * xy[..., 0:1]
    d = xy * (radial + tan) + np.array([p[1], p[0]]) * r2
    return d * c["f"][:] + c["c"][:]


def main(path):
    f = h5py.File(path, "r")
    p3 = f["pose3d"][:].astype(np.float64)
    p2 = f["pose2d"][:].astype(np.float64)
    subject, camera, frame, action = (f[k][:] for k in ("subject", "camera", "frame", "action"))
    px_err, world_err = 0.0, 0.0
    world = np.zeros_like(p3)
    for s in np.unique(subject):
        for cam in np.unique(camera[subject == s]):
            sel = (subject == s) & (camera == cam)
            c = f[f"cameras/S{s}/{cam}"]
            px_err = max(px_err, np.abs(project(p3[sel], c) - p2[sel]).max())
            world[sel] = p3[sel] @ c["R"][:] + c["T"][:]  # R^T x + T, row vectors
    # The same frame seen by different cameras is the same world pose.
    keys = np.stack([subject, action, frame], 1)
    for key in np.unique(keys, axis=0)[:: max(1, len(keys) // 2000)]:
        sel = (keys == key).all(1)
        world_err = max(world_err, np.abs(world[sel] - world[sel][0]).max())
    print(f"max reprojection error {px_err:.6f} px; max world disagreement between cameras {world_err:.6f} mm")
    return 0 if px_err < 0.01 and world_err < 0.01 else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
