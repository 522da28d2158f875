#!/usr/bin/env python3
"""Writes the 44 real Human3.6M calibrations of the shared fixture
(h36m_sample.json) as Martinez-style cameras.h5 files (subject<S>/camera<M>,
R stored transposed), one file per layout found in the wild:

  columns   T (3,1), f/c (2,1), k (3,1), p (2,1), Name uint8 (8,) (Martinez's own file)
  rows      T (1,3), f/c (1,2), k (1,3), p (1,2), Name uint8 (8,1) (MATLAB)
  flat      T (3,), f/c (2,), k (3,), p (2,), Name uint8 (1,8)
  fixed     columns, Name a fixed-length string scalar
  vlen      columns, Name a variable-length string array (1,)
  matlab16  columns, Name uint16 character codes (8,1) with a trailing space
  noname    columns, no Name (the id comes from the camera's position)
  float     columns, Name float64 character codes (8,1) (MATLAB double)
  spaced    columns, Name a fixed-length string padded with spaces
  chars     columns, Name an array of one-character strings (8,)

usage: camera_layouts.py H36M_SAMPLE_JSON OUT_DIR   (writes OUT_DIR/cameras_<layout>.h5)
"""
import json
import os
import sys

import h5py
import numpy as np

LAYOUTS = ("columns", "rows", "flat", "fixed", "vlen", "matlab16", "noname", "float", "spaced", "chars")


def codes(name, dtype, shape):
    return np.array([ord(ch) for ch in name], dtype=dtype).reshape(shape)


def write_name(h, layout, name):
    if layout in ("columns", "flat"):
        h["Name"] = codes(name, np.uint8, (1, -1) if layout == "flat" else (-1,))
    elif layout == "rows":
        h["Name"] = codes(name, np.uint8, (-1, 1))
    elif layout == "fixed":
        h["Name"] = np.bytes_(name)
    elif layout == "vlen":
        h.create_dataset("Name", data=[name], dtype=h5py.string_dtype("utf-8"))
    elif layout == "matlab16":
        h["Name"] = codes(name + " ", np.uint16, (-1, 1))
    elif layout == "float":
        h["Name"] = codes(name, np.float64, (-1, 1))
    elif layout == "spaced":
        h["Name"] = np.bytes_(name + "   ")
    elif layout == "chars":
        h["Name"] = np.array([ch.encode() for ch in name], dtype="S1")


def main(sample_json, out):
    with open(sample_json) as fh:
        cameras = json.load(fh)["cameras"]
    for layout in LAYOUTS:
        with h5py.File(os.path.join(out, f"cameras_{layout}.h5"), "w") as o:
            for c in cameras:
                h = o.create_group(f"subject{c['subject'][1:]}/camera{c['camera_index']}")
                h["R"] = np.array(c["R"], dtype=np.float64).T  # stored transposed, as in the original file
                for key, src in (("T", "T_mm"), ("f", "f"), ("c", "c"), ("k", "k"), ("p", "p")):
                    v = np.array(c[src], dtype=np.float64).reshape(-1)
                    h[key] = {"rows": v.reshape(1, -1), "flat": v}.get(layout, v.reshape(-1, 1))
                write_name(h, layout, c["camera_id"])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
