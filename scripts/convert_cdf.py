#!/usr/bin/python3
"""Convert the official Human3.6M D3_Positions .cdf files into an hpe3d pose file.

usage: convert_cdf.py --root DIR --out FILE.h5 [--subjects 1,5,6,7,8,9,11] [--stride N]
                      [--cameras configs/cameras/h36m.yaml] [--keep-s11-directions]

Reads DIR/S<k>/MyPoseFeatures/D3_Positions/<Action>.cdf, variable "Pose",
shape (1, T, 96) = T frames x 32 joints x xyz in world mm, with the pure-numpy
CDF reader of scripts/hpe3d_cdf.py (CDF 3: uncompressed or GZIP-compressed,
whole file or per variable; zVariables and rVariables; either byte order),
keeps the 17 joints 0,1,2,3,6,7,8,12,13,14,15,17,18,19,25,26,27 and writes each
sequence through the 4 calibrated cameras of its subject (all 4 are needed;
camera frame, mm, and distorted 2D), sequence by sequence. Names are normalised as
h36m-prepare does ("TakingPhoto 1" -> Photo, subaction 1); files that are
not one of the 15 actions are skipped with a note; S11 "Directions" (broken
video) is dropped with a note. Errors: one line on stderr, exit 2, no output.
"""
import argparse
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hpe3d_posefile as pf  # noqa: E402
from hpe3d_cdf import CDFError, read_cdf  # noqa: E402
from hpe3d_posefile import ConversionError  # noqa: E402


def read_pose(path):
    """(T, 32, 3) world mm from a D3_Positions .cdf."""
    try:
        pose = read_cdf(path).read("Pose")
    except CDFError as e:
        raise ConversionError(f"{path}: {e}")
    if pose.dtype.kind != "f" or pose.size % 96 or (pose.ndim and pose.shape[-1] != 96):
        raise ConversionError(f"{path}: variable 'Pose': expected (1, T, 96) values, got {pose.shape} {pose.dtype}")
    pose = pose.reshape(-1, 32, 3).astype(np.float64)
    problem = pf.nonfinite(pose)
    if problem:
        raise ConversionError(f"{path}: variable 'Pose' holds {problem}")
    return pose


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--root", required=True, help="folder holding S<k>/MyPoseFeatures/D3_Positions/")
    pf.add_common_args(ap)
    args = ap.parse_args(argv)
    pf.check_stride(args.stride)
    if not os.path.isdir(args.root):
        raise ConversionError(f"{args.root}: no such folder")
    if args.subjects:
        subjects = pf.parse_subjects(args.subjects)
    else:
        subjects = sorted(int(m.group(1)) for m in (re.fullmatch(r"S([0-9]+)", n) for n in os.listdir(args.root))
                          if m and os.path.isdir(os.path.join(args.root, m.group(0))))
        if not subjects:
            raise ConversionError(f"{args.root}: no S<k> folder")
    cameras = pf.load_cameras(args.cameras)

    # Everything that can be checked before writing is checked first.
    plan, notes = [], []
    for s in subjects:
        folder = os.path.join(args.root, f"S{s}", "MyPoseFeatures", "D3_Positions")
        if not os.path.isdir(folder):
            raise ConversionError(f"{folder}: no such folder (subject S{s})")
        names = pf.sequence_order(os.path.splitext(n)[0] for n in os.listdir(folder) if n.endswith(".cdf"))
        if not any(k[0] == s for k in cameras):
            first = f" '{names[0]}'" if names else ""
            raise ConversionError(f"{folder}: S{s}{first}: subject S{s} has no calibration in {args.cameras}")
        pf.subject_cameras(cameras, s, args.cameras)  # all 4 cameras, checked before writing
        for name in names:
            parsed = pf.parse_sequence_name(name)
            if parsed is None:
                notes.append(f"skipped S{s} '{name}.cdf' (not a Human3.6M action)")
            elif pf.is_s11_directions(s, name) and not args.keep_s11_directions:
                notes.append(f"dropped S{s} '{name}' (the known broken sequence S11 Directions)")
            else:
                plan.append((s, name, os.path.join(folder, name + ".cdf"), parsed))
    for n in notes:
        print(n, flush=True)
    if not plan:
        raise ConversionError(f"{args.root}: no Human3.6M sequence found")

    out_subjects = list(dict.fromkeys(s for s, *_ in plan))
    out_cams = [c for s in out_subjects for c in pf.subject_cameras(cameras, s, args.cameras)]
    rows = 0
    with pf.PoseFileWriter(args.out, "cdf:" + args.root, out_cams) as writer:
        for s, name, path, (action, subaction) in plan:
            pose = read_pose(path)
            sel = np.arange(0, pose.shape[0], args.stride)
            rows += writer.append_sequence(s, pf.action_index(action), subaction, pose[sel][:, pf.H36M_KEEP_32],
                                           sel, pf.subject_cameras(cameras, s, args.cameras))
        writer.finish()
    print(f"wrote {args.out}: {len(plan)} sequences, {rows} camera views, subjects "
          + ",".join(f"S{s}" for s in out_subjects))
    return 0


if __name__ == "__main__":
    pf.run_main(main)
