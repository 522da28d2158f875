#!/usr/bin/env python3
"""Rewrites a Martinez-style cameras.h5 in the layouts found in the wild, one
file per layout, with the same calibrations:

  rows      R (3,3) transposed, T (1,3), f/c (1,2), k (1,3), p (1,2), Name uint8 (8,1) (MATLAB)
  flat      T (3,), f/c (2,), k (3,), p (2,), Name uint8 (1,8)
  fixed     columns as the original, Name a fixed-length string scalar
  vlen      columns, Name a variable-length string array (1,)
  matlab16  columns, Name uint16 character codes (8,1) with a trailing space
  noname    columns, no Name (the id comes from the camera's position)
  float     columns, Name float64 character codes (8,1) (MATLAB double)
  spaced    columns, Name a fixed-length string padded with spaces
  chars     columns, Name an array of one-character strings (8,)

usage: camera_layouts.py SRC_CAMERAS_H5 OUT_DIR   (writes OUT_DIR/cameras_<layout>.h5)
"""
import os
import sys

import h5py
import numpy as np

LAYOUTS = ("rows", "flat", "fixed", "vlen", "matlab16", "noname", "float", "spaced", "chars")


def name_of(g):
    return bytes(np.asarray(g["Name"]).reshape(-1).astype(np.uint8)).decode()


def main(src, out):
    with h5py.File(src, "r") as f:
        for layout in LAYOUTS:
            with h5py.File(os.path.join(out, f"cameras_{layout}.h5"), "w") as o:
                for subject in f:
                    for camera in f[subject]:
                        g, h = f[subject][camera], o.create_group(f"{subject}/{camera}")
                        h["R"] = g["R"][:]
                        for key in ("T", "f", "c", "k", "p"):
                            v = np.asarray(g[key][:]).reshape(-1)
                            h[key] = {"rows": v.reshape(1, -1), "flat": v}.get(layout, v.reshape(-1, 1))
                        name = name_of(g)
                        if layout == "rows":
                            h["Name"] = np.frombuffer(name.encode(), dtype=np.uint8).reshape(-1, 1)
                        elif layout == "flat":
                            h["Name"] = np.frombuffer(name.encode(), dtype=np.uint8).reshape(1, -1)
                        elif layout == "fixed":
                            h["Name"] = np.bytes_(name)
                        elif layout == "vlen":
                            h.create_dataset("Name", data=[name], dtype=h5py.string_dtype("utf-8"))
                        elif layout == "matlab16":
                            h["Name"] = np.array([ord(ch) for ch in name + " "], dtype=np.uint16).reshape(-1, 1)
                        elif layout == "float":
                            h["Name"] = np.array([ord(ch) for ch in name], dtype=np.float64).reshape(-1, 1)
                        elif layout == "spaced":
                            h["Name"] = np.bytes_(name + "   ")
                        elif layout == "chars":
                            h["Name"] = np.array([ch.encode() for ch in name], dtype="S1")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
