#!/usr/bin/python3
"""Convert VideoPose3D's Human3.6M .npz files into an hpe3d pose file.

usage: convert_videopose3d.py --3d data_3d_h36m.npz [--2d [NAME=]FILE.npz ...]
                              --out h36m.h5 [--subjects 1,5,6,7,8,9,11] [--stride N]
                              [--cameras configs/cameras/h36m.yaml] [--keep-s11-directions]

--3d: key `positions_3d`, a pickled dict subject ("S1") -> action
("Directions 1") -> (T, 32, 3) world positions in metres.
--2d: key `positions_2d`, subject -> action -> list of 4 (T, 17, 2) pixel
arrays (cameras 54138969, 55011271, 58860488, 60457274), and `metadata`.
Each becomes /pose2d_det/NAME (N, 17, 2) float32, rows aligned with /pose2d;
NAME defaults to the file's stem.

Writes camera-frame 3D (mm; X_cam = R (X_world - T)) of the 17 joints
0,1,2,3,6,7,8,12,13,14,15,17,18,19,25,26,27 and their distorted projections,
sequence by sequence. A sequence whose 2D sets are shorter or longer than its
3D is trimmed (3D and every 2D set) to the common length, and reported.
Every subject converted needs the calibrations of its 4 cameras; 3D and 2D
values must be finite numbers.
S11 "Directions" (broken video) is dropped with a note. Errors: one line on
stderr, exit 2, no output file. See docs/data.md.
"""
import argparse
import os
import pickle
import re
import sys
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hpe3d_posefile as pf  # noqa: E402
from hpe3d_posefile import ConversionError  # noqa: E402


def load_npz_dict(path, key):
    """(dict under `key`, metadata or None) of a VideoPose3D .npz (pickled objects)."""
    if not os.path.isfile(path):
        raise ConversionError(f"{path}: no such file")
    try:
        # VideoPose3D stores pickled dicts: only open files you trust.
        npz = np.load(path, allow_pickle=True)
    except pickle.UnpicklingError:
        # Neither a zip (.npz) nor a .npy: np.load then tries to unpickle it.
        raise ConversionError(f"{path}: not a .npz file (neither a zip archive, a .npy array nor a pickle)")
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ConversionError(f"{path}: not a readable .npz file ({e})")
    except Exception as e:  # whatever a damaged file makes numpy or zipfile raise
        raise ConversionError(f"{path}: not a readable .npz file ({type(e).__name__}: {e})")
    if not hasattr(npz, "files"):
        raise ConversionError(f"{path}: not a .npz archive (a single .npy array?)")
    with npz:
        if key not in npz.files:
            raise ConversionError(f"{path}: no key '{key}'")
        try:
            value = npz[key]
            metadata = npz["metadata"] if "metadata" in npz.files else None
        except Exception as e:  # unpickling errors of any kind
            raise ConversionError(f"{path}: cannot read '{key}' ({type(e).__name__}: {e})")
    if isinstance(value, np.ndarray) and value.dtype == object and value.shape == ():
        value = value.item()
    if isinstance(metadata, np.ndarray) and metadata.dtype == object and metadata.shape == ():
        metadata = metadata.item()
    if not isinstance(value, dict):
        raise ConversionError(f"{path}: '{key}' is not a dict subject -> action -> poses")
    return value, metadata


def subject_number(key):
    m = re.fullmatch(r"S([0-9]+)", str(key))
    return int(m.group(1)) if m else None


def parse_2d_arg(text):
    """"NAME=FILE" or "FILE" (name: the file's stem)."""
    name, path = None, text
    if not os.path.exists(text) and "=" in text:
        name, path = text.split("=", 1)
    if name is None:
        name = os.path.splitext(os.path.basename(path))[0]
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+", name):
        raise ConversionError(f"--2d {text}: '{name}' is not a valid dataset name (letters, digits, _ . + -)")
    return name, path


def plan(args, data3d, dets, cameras):
    """Checks everything before writing: returns the sequences to write
    [(subject, name, action, subaction, length, {det name: lengths})] and notes."""
    available = {}
    for key in data3d:
        s = subject_number(key)
        if s is None:
            raise ConversionError(f"{args.d3}: key '{key}' is not a subject (expected S<k>)")
        available[s] = key
    subjects = args.subjects or sorted(available)
    sequences, notes = [], []
    for s in subjects:
        if s not in available:
            raise ConversionError(f"{args.d3}: no subject S{s}")
        actions = data3d[available[s]]
        if not isinstance(actions, dict):
            raise ConversionError(f"{args.d3}: S{s}: expected a dict action -> poses")
        names = pf.sequence_order(actions)
        if not any(k[0] == s for k in cameras):
            first = f" '{names[0]}'" if names else ""
            raise ConversionError(f"{args.d3}: S{s}{first}: subject S{s} has no calibration in {args.cameras}")
        ncam = len(pf.subject_cameras(cameras, s, args.cameras))
        seen = {}
        for name in names:
            parsed = pf.parse_sequence_name(name)
            if parsed is None:
                notes.append(f"skipped S{s} '{name}' (not a Human3.6M action)")
                continue
            if pf.is_s11_directions(s, name) and not args.keep_s11_directions:
                notes.append(f"dropped S{s} '{name}' (the known broken sequence S11 Directions)")
                continue
            if parsed in seen:
                notes.append(f"warning: S{s} '{name}' and '{seen[parsed]}' both label {parsed[0]} {parsed[1]}")
            seen[parsed] = name
            pose = actions[name]
            shape = getattr(pose, "shape", None)
            if shape is None or len(shape) != 3 or shape[1:] != (32, 3):
                raise ConversionError(f"{args.d3}: S{s} '{name}': expected (T, 32, 3) positions, got {shape}")
            problem = pf.nonfinite(pose)
            if problem:
                raise ConversionError(f"{args.d3}: S{s} '{name}': positions hold {problem}")
            lengths = {}
            for det_name, (path, data2d, _) in dets.items():
                key = available[s]
                if key not in data2d:
                    raise ConversionError(f"{path}: no subject S{s} (needed for S{s} '{name}' of the 3D)")
                if not isinstance(data2d[key], dict) or name not in data2d[key]:
                    raise ConversionError(f"{path}: S{s}: no action '{name}'")
                views = data2d[key][name]
                if not isinstance(views, (list, tuple)) or len(views) < ncam:
                    have = len(views) if isinstance(views, (list, tuple)) else 0
                    missing = pf.H36M_CAMERA_IDS[have] if have < len(pf.H36M_CAMERA_IDS) else have + 1
                    raise ConversionError(f"{path}: S{s} '{name}': camera {have + 1} ({missing}) is missing "
                                          f"({have} of {ncam} cameras)")
                if len(views) > ncam:
                    raise ConversionError(f"{path}: S{s} '{name}': {len(views)} cameras, the calibrations have {ncam}")
                for i, v in enumerate(views):
                    vs = getattr(v, "shape", None)
                    if vs is None or len(vs) != 3 or vs[1:] != (17, 2):
                        raise ConversionError(f"{path}: S{s} '{name}' camera {i + 1}: expected (T, 17, 2), got {vs}")
                    problem = pf.nonfinite(v)
                    if problem:
                        raise ConversionError(f"{path}: S{s} '{name}' camera {i + 1} ({pf.H36M_CAMERA_IDS[i]}): "
                                              f"{problem}")
                lengths[det_name] = [v.shape[0] for v in views]
            t = min([shape[0]] + [n for ls in lengths.values() for n in ls])
            sequences.append((s, name, parsed[0], parsed[1], shape[0], t, lengths))
    return sequences, notes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--3d", dest="d3", required=True, metavar="FILE.npz", help="data_3d_h36m.npz (key positions_3d)")
    ap.add_argument("--2d", dest="d2", action="append", default=[], metavar="[NAME=]FILE.npz",
                    help="2D poses (key positions_2d) stored as /pose2d_det/NAME; repeatable")
    pf.add_common_args(ap)
    args = ap.parse_args(argv)
    pf.check_stride(args.stride)
    args.subjects = pf.parse_subjects(args.subjects) if args.subjects else None
    d2 = [parse_2d_arg(a) for a in args.d2]
    names = [n for n, _ in d2]
    for n in names:
        if names.count(n) > 1:
            raise ConversionError(f"--2d: the name '{n}' is given twice (use NAME=FILE)")

    cameras = pf.load_cameras(args.cameras)
    data3d, _ = load_npz_dict(args.d3, "positions_3d")
    dets = {}
    for name, path in d2:
        data2d, metadata = load_npz_dict(path, "positions_2d")
        dets[name] = (path, data2d, metadata)
    sequences, notes = plan(args, data3d, dets, cameras)
    for n in notes:
        print(n, flush=True)

    subjects = list(dict.fromkeys(s for s, *_ in sequences))
    out_cams = [c for s in subjects for c in pf.subject_cameras(cameras, s, args.cameras)]
    attrs = {n: {"source": p, "metadata": pf.metadata_json(m)} for n, (p, _, m) in dets.items()}
    trimmed, cut3d, cut2d, rows = 0, 0, 0, 0
    with pf.PoseFileWriter(args.out, "videopose3d:" + args.d3, out_cams, detections=list(dets),
                           detection_attrs=attrs) as writer:
        for s, name, action, subaction, t3d, t, lengths in sequences:
            key = f"S{s}"
            if any(n != t for ls in lengths.values() for n in ls) or t3d != t:
                trimmed += 1
                cut3d += t3d - t
                cut2d += sum(n - t for ls in lengths.values() for n in ls)
                parts = ", ".join(f"{dn} {'/'.join(map(str, ls))}" for dn, ls in lengths.items())
                print(f"trimmed S{s} '{name}': 3D {t3d}, {parts} -> {t} frames", flush=True)
            sel = np.arange(0, t, args.stride)
            world = np.asarray(data3d[key][name][sel][:, pf.H36M_KEEP_32], dtype=np.float64) * 1000.0
            det = {dn: [np.asarray(v[sel]) for v in dets[dn][1][key][name]] for dn in dets}
            rows += writer.append_sequence(s, pf.action_index(action), subaction, world, sel,
                                           pf.subject_cameras(cameras, s, args.cameras), det)
        writer.finish()
    if dets:
        print(f"trimmed {trimmed} of {len(sequences)} sequences to the common length of 3D and 2D: "
              f"{cut3d} 3D frames and {cut2d} 2D frames (all sets and cameras) dropped")
    print(f"wrote {args.out}: {len(sequences)} sequences, {rows} camera views, subjects "
          + ",".join(f"S{s}" for s in subjects)
          + (f", 2D sets {','.join(dets)}" if dets else ""))
    return 0


if __name__ == "__main__":
    pf.run_main(main)
