#!/usr/bin/env python3
"""Independent check of `h36m-prepare bvh`: parses each BVH file with its own
small parser, runs forward kinematics with 4x4 homogeneous transforms (numpy,
no hpe3d code), applies the conversion documented in docs/data.md (scale to
mm, BVH Y up -> H36M Z up, floor, centre, joint table, nearest-frame
resampling) and compares with the pose file's /pose3d through the file's own
calibrations (X_cam = R (X_world - T)) and with its /frame.

usage: check_bvh_fk.py FILE.h5 [--fps 25] [--offset-mm D] CLIP.bvh...
  Each clip is the sequence of /action_names named after the file's stem.
  --offset-mm adds D mm to the expected world x of one joint (to show that
  the check fails). Prints the largest joint distance; exit 1 if it is
  0.01 mm or more, or if any frame number or row count differs.
"""
import argparse
import math
import os
import sys

import h5py
import numpy as np

# docs/data.md "Joint maps" (configs/skeletons/cmu.yaml, boxing.yaml): H36M joint
# -> BVH joint, or ("along", A, B, f): the point at fraction f of the length of
# the joint chain A -> ... -> B in each frame.
H36M = ["Hip", "RHip", "RKnee", "RFoot", "LHip", "LKnee", "LFoot", "Spine", "Thorax", "Neck/Nose", "Head",
        "LShoulder", "LElbow", "LWrist", "RShoulder", "RElbow", "RWrist"]
MAPPINGS = {
    "CMU": (25.4 / 0.45, {
        "Hip": "Hips", "RHip": "RightUpLeg", "RKnee": "RightLeg", "RFoot": "RightFoot", "LHip": "LeftUpLeg",
        "LKnee": "LeftLeg", "LFoot": "LeftFoot", "Spine": ("along", "Hips", "Neck1", 0.5), "Thorax": "Neck1",
        "Neck/Nose": "Head", "Head": "Head_End", "LShoulder": "LeftArm", "LElbow": "LeftForeArm",
        "LWrist": "LeftHand", "RShoulder": "RightArm", "RElbow": "RightForeArm", "RWrist": "RightHand"}),
    "Boxing": (10.0, {
        "Hip": "Hips", "RHip": "RightHip", "RKnee": "RightKnee", "RFoot": "RightAnkle", "LHip": "LeftHip",
        "LKnee": "LeftKnee", "LFoot": "LeftAnkle", "Spine": ("along", "Hips", "Neck", 0.5), "Thorax": "Neck",
        "Neck/Nose": "Head", "Head": "Head_End", "LShoulder": "LeftShoulder", "LElbow": "LeftElbow",
        "LWrist": "LeftWrist", "RShoulder": "RightShoulder", "RElbow": "RightElbow", "RWrist": "RightWrist"}),
}


def parse_bvh(path):
    """-> joints [(name, parent, offset, channels)], motion [T, C], frame_time."""
    with open(path) as f:
        lines = f.read().split("\n")
    motion_at = next(i for i, l in enumerate(lines) if l.strip() == "MOTION")
    words = " ".join(lines[:motion_at]).split()
    joints, stack, i = [], [], 0
    while i < len(words):
        w = words[i]
        if w in ("ROOT", "JOINT"):
            joints.append([words[i + 1], stack[-1] if stack else -1, None, []])
            i += 2
        elif w == "End":  # End Site
            joints.append([joints[stack[-1]][0] + "_End", stack[-1], None, []])
            i += 2
        elif w == "{":
            stack.append(len(joints) - 1)
            i += 1
        elif w == "}":
            stack.pop()
            i += 1
        elif w == "OFFSET":
            joints[stack[-1]][2] = np.array([float(v) for v in words[i + 1:i + 4]])
            i += 4
        elif w == "CHANNELS":
            n = int(words[i + 1])
            joints[stack[-1]][3] = words[i + 2:i + 2 + n]
            i += 2 + n
        else:
            i += 1  # HIERARCHY
    frames = int(lines[motion_at + 1].split(":")[1])
    frame_time = float(lines[motion_at + 2].split(":")[1])
    rows = [l.split() for l in lines[motion_at + 3:] if l.strip()][:frames]  # declared count only
    motion = np.array(rows, dtype=np.float64)
    assert motion.shape == (frames, sum(len(j[3]) for j in joints)), (path, motion.shape)
    return joints, motion, frame_time


def axis_rotation(axis, degrees):
    """[T] degrees -> [T, 4, 4] right-handed rotations about x, y or z."""
    a = np.radians(degrees)
    c, s = np.cos(a), np.sin(a)
    m = np.zeros(a.shape + (4, 4))
    m[:, 3, 3] = 1
    u, v = {"X": (1, 2), "Y": (2, 0), "Z": (0, 1)}[axis]  # rotation in the (u, v) plane
    w = 3 - u - v
    m[:, w, w] = 1
    m[:, u, u], m[:, u, v], m[:, v, u], m[:, v, v] = c, -s, s, c
    return m


def world_positions(joints, motion):
    """[T, J, 3] file units: M_j = M_parent . Trans(t_j) . Rot_1 . Rot_2 . Rot_3 (channels in file order)."""
    t_count = motion.shape[0]
    transforms, column = [], 0
    for name, parent, offset, channels in joints:
        local = np.tile(np.eye(4), (t_count, 1, 1))
        local[:, :3, 3] = offset
        rot = np.tile(np.eye(4), (t_count, 1, 1))
        for ch in channels:
            values = motion[:, column]
            column += 1
            if ch.endswith("position"):
                local[:, "XYZ".index(ch[0]), 3] = values
            else:
                rot = rot @ axis_rotation(ch[0], values)
        local = local @ rot
        transforms.append(local if parent < 0 else transforms[parent] @ local)
    return np.stack([m[:, :3, 3] for m in transforms], 1)


def along_chain(joints, p, a, b, fraction):
    """[T, 3]: the point at `fraction` of the chain a -> ... -> b's length, per frame."""
    names = [j[0] for j in joints]
    chain = [names.index(b)]
    while chain[-1] != names.index(a):
        chain.append(joints[chain[-1]][1])
    points = p[:, chain[::-1]]                                    # [T, n, 3]
    seg = np.linalg.norm(np.diff(points, axis=1), axis=-1)        # [T, n-1]
    target = fraction * seg.sum(1)
    out = np.empty((len(p), 3))
    for t in range(len(p)):
        k, left = 0, target[t]
        while k < seg.shape[1] - 1 and left > seg[t, k]:
            left -= seg[t, k]
            k += 1
        w = min(1.0, left / seg[t, k]) if seg[t, k] > 0 else 0.0
        out[t] = points[t, k] + w * (points[t, k + 1] - points[t, k])
    return out


def expected_world(path, fps):
    joints, motion, frame_time = parse_bvh(path)
    names = [j[0] for j in joints]
    skeleton = next(k for k, (_, table) in MAPPINGS.items()
                    if all(n in names for v in table.values() for n in ((v,) if isinstance(v, str) else v[1:3])))
    mm, table = MAPPINGS[skeleton]
    p = world_positions(joints, motion) * mm
    p = np.stack([p[..., 0], -p[..., 2], p[..., 1]], -1)  # (x, y, z) -> (x, -z, y)
    p[..., 2] -= p[..., 2].min()                         # floor: lowest joint or End Site of the clip
    p[..., :2] -= p[:, names.index("Hips"), :2].mean(0)   # mean root (x, y) at the origin
    cols = []
    for j in H36M:
        v = table[j]
        cols.append(p[:, names.index(v)] if isinstance(v, str) else along_chain(joints, p, *v[1:]))
    h36m = np.stack(cols, 1)
    step = (1.0 / frame_time) / fps
    frames = []
    if step <= 1:
        frames = list(range(len(motion)))
    else:
        k = 0
        while math.floor(k * step + 0.5) < len(motion):
            frames.append(math.floor(k * step + 0.5))
            k += 1
    return skeleton, np.array(frames), h36m[frames]


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("file")
    ap.add_argument("clips", nargs="+")
    ap.add_argument("--fps", type=float, default=25.0)
    ap.add_argument("--offset-mm", type=float, default=0.0)
    args = ap.parse_args()
    f = h5py.File(args.file, "r")
    names = list(f["action_names"].asstr()[:])
    pose3d = f["pose3d"][:].astype(np.float64)
    subject, action, camera, frame = (f[k][:] for k in ("subject", "action", "camera", "frame"))
    ok, worst = True, 0.0
    for clip in args.clips:
        stem = os.path.splitext(os.path.basename(clip))[0]
        skeleton, frames, world = expected_world(clip, args.fps)
        world[:, 5, 0] += args.offset_mm
        a = names.index(stem)
        subjects = np.unique(subject[action == a])
        if len(subjects) != 1:
            print(f"{stem}: expected one subject, got {subjects}")
            return 1
        s = subjects[0]
        cams = sorted(int(k) for k in f[f"cameras/S{s}"])
        clip_err = 0.0
        for cam in cams:
            sel = np.flatnonzero((action == a) & (subject == s) & (camera == cam))
            if len(sel) != len(frames) or not np.array_equal(frame[sel], frames):
                print(f"{stem} camera {cam}: frames {frame[sel][:8]}... ({len(sel)}), expected "
                      f"{frames[:8]}... ({len(frames)})")
                ok = False
                continue
            c = f[f"cameras/S{s}/{cam}"]
            cam3d = (world - c["T"][:]) @ c["R"][:].T  # X_cam = R (X_world - T), row vectors
            clip_err = max(clip_err, np.linalg.norm(cam3d - pose3d[sel], axis=-1).max())
        print(f"{stem} ({skeleton}, subject {s}, {len(cams)} cameras, {len(frames)} frames): "
              f"max joint distance {clip_err:.6f} mm")
        worst = max(worst, clip_err)
    return 0 if ok and worst < 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
