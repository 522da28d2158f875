#!/usr/bin/python3
"""Write a synthetic stand-in of Human3.6M at full size in VideoPose3D's layout,
for scale runs of scripts/convert_videopose3d.py (docs/performance.md).

usage: make_videopose3d_standin.py --out DIR [--frames-per-sequence N] [--seed S]

DIR/data_3d_h36m.npz      positions_3d: S1,S5,S6,S7,S8,S9,S11 -> 15 actions x 2
                          subactions ("Directions", "Directions 1", ...) ->
                          (T, 32, 3) float32 world metres
DIR/data_2d_h36m_det.npz  positions_2d: the same keys -> 4 x (T', 17, 2) float32
                          pixels (the projections plus 4 px noise), metadata;
                          about one sequence in eight has T' = T - 2 .. T + 3
                          on some cameras, as real detections do.

Default N = 4300: 7 x 30 sequences x 4300 frames x 4 cameras = 3.61 M camera
views (Human3.6M: about 3.6 M). Poses: a standing 32-joint skeleton (metres,
Z up) scaled per subject, limbs swinging, a slow turn and walk within 1 m of
the capture centre, 1 cm noise. Not real motion; for timing and memory only.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hpe3d_posefile as pf  # noqa: E402

SUBJECTS = [1, 5, 6, 7, 8, 9, 11]
# Human3.6M's 32 joints, standing, facing -y (metres).
BASE = np.array([
    [0, 0, .93], [-.13, 0, .93], [-.13, 0, .48], [-.13, 0, .06], [-.13, -.13, .01], [-.13, -.18, .01],
    [.13, 0, .93], [.13, 0, .48], [.13, 0, .06], [.13, -.13, .01], [.13, -.18, .01],
    [0, 0, .93], [0, 0, 1.16], [0, 0, 1.42], [0, -.05, 1.54], [0, 0, 1.65], [0, 0, 1.42],
    [.15, 0, 1.40], [.18, 0, 1.12], [.20, -.05, .88], [.20, -.07, .85], [.21, -.06, .82], [.21, -.06, .82],
    [.20, -.08, .86], [0, 0, 1.42], [-.15, 0, 1.40], [-.18, 0, 1.12], [-.20, -.05, .88], [-.20, -.07, .85],
    [-.21, -.06, .82], [-.21, -.06, .82], [-.20, -.08, .86]])
# Joints that swing with each limb (relative to its root joint) and the phase sign.
LIMBS = [([2, 3, 4, 5], 1, +1), ([7, 8, 9, 10], 6, -1), ([18, 19, 20, 21, 22, 23], 17, +1),
         ([26, 27, 28, 29, 30, 31], 25, -1)]


def sequence_names(subject):
    names = []
    for a in pf.ACTION_NAMES:
        if subject in (9, 11) and a in ("Photo", "WalkDog"):
            a = {"Photo": "TakingPhoto", "WalkDog": "WalkingDog"}[a]
        names += [a, a + " 1"]
    return names


def sequence(rng, t, scale):
    time = np.arange(t) / 50.0  # 50 fps
    speed = rng.uniform(0.5, 2.0)
    swing = rng.uniform(0.2, 0.6) * np.sin(2 * np.pi * speed * time + rng.uniform(0, 6.3))
    pose = np.broadcast_to(BASE * scale, (t, 32, 3)).copy()
    for joints, root, sign in LIMBS:
        rel = pose[:, joints] - pose[:, [root]]
        a = sign * swing[:, None]
        c, s = np.cos(a), np.sin(a)
        y, z = rel[..., 1].copy(), rel[..., 2].copy()  # rotate about the x axis (forward swing)
        rel[..., 1], rel[..., 2] = c * y - s * z, s * y + c * z
        pose[:, joints] = pose[:, [root]] + rel
    yaw = rng.uniform(0, 2 * np.pi) + rng.uniform(-1, 1) * time / max(time[-1], 1)
    c, s = np.cos(yaw)[:, None], np.sin(yaw)[:, None]
    x, y = pose[..., 0].copy(), pose[..., 1].copy()
    pose[..., 0], pose[..., 1] = c * x - s * y, s * x + c * y
    phase = rng.uniform(0, 6.3, 2)
    root = np.stack([0.8 * np.sin(0.05 * time + phase[0]), 0.8 * np.sin(0.07 * time + phase[1]), 0 * time], -1)
    pose += root[:, None] + rng.normal(0, 0.01, pose.shape)
    return pose.astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--frames-per-sequence", type=int, default=4300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    cams = pf.load_cameras()
    d3, d2, views = {}, {}, 0
    for s in SUBJECTS:
        scale = rng.uniform(0.92, 1.08)
        d3[f"S{s}"], d2[f"S{s}"] = {}, {}
        for name in sequence_names(s):
            t = args.frames_per_sequence
            pose = sequence(rng, t, scale)
            d3[f"S{s}"][name] = pose
            world17 = pose[:, pf.H36M_KEEP_32].astype(np.float64) * 1000
            odd = rng.random() < 0.125
            per_cam = []
            for c in pf.subject_cameras(cams, s):
                px = pf.project(pf.world_to_camera(world17, c), c) + rng.normal(0, 4, (t, 17, 2))
                n = t + (int(rng.integers(-2, 4)) if odd else 0)
                px = np.concatenate([px, np.repeat(px[-1:], max(n - t, 0), 0)])[:n]
                per_cam.append(px.astype(np.float32))
            d2[f"S{s}"][name] = per_cam
            views += 4 * t
    meta = {"layout_name": "h36m", "num_joints": 17,
            "keypoints_symmetry": [[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]]}
    np.savez(os.path.join(args.out, "data_3d_h36m.npz"), positions_3d=d3)
    np.savez(os.path.join(args.out, "data_2d_h36m_det.npz"), positions_2d=d2, metadata=meta)
    n_seq = sum(len(v) for v in d3.values())
    print(f"wrote {args.out}: {len(SUBJECTS)} subjects, {n_seq} sequences, {views} camera views (3D frames x 4)")


if __name__ == "__main__":
    main()
