#!/usr/bin/env python3
"""Write configs/cameras/h36m.yaml from the calibrations in a Human3.6M sample
JSON (the 44 published cameras: 11 subjects x 4). Run once; the YAML is data
that the project ships.

usage: make_camera_yaml.py ../shared/fixtures/h36m_sample/h36m_sample.json configs/cameras/h36m.yaml
"""
import json
import sys


def fmt(values):
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def main(src, dst):
    cams = json.load(open(src))["cameras"]
    lines = [
        "# The 44 published Human3.6M camera calibrations (11 subjects x 4 cameras).",
        "# R: world-to-camera rotation (row-major, X_cam = R (X_world - T)); T: camera",
        "# centre in world mm (Z up); f, c: px; k: radial k1,k2,k3; p: tangential p1,p2.",
        "# index 1..4 = cameras 54138969, 55011271, 58860488, 60457274.",
        "cameras:",
    ]
    for c in sorted(cams, key=lambda c: (int(c["subject"].lstrip("S")), c["camera_index"])):
        lines += [
            f"  - subject: {int(c['subject'].lstrip('S'))}",
            f"    index: {c['camera_index']}",
            f"    name: \"{c['camera_id']}\"",
            f"    R: {fmt(v for row in c['R'] for v in row)}",
            f"    T: {fmt(c['T_mm'])}",
            f"    f: {fmt(c['f'])}",
            f"    c: {fmt(c['c'])}",
            f"    k: {fmt(c['k'])}",
            f"    p: {fmt(c['p'])}",
            f"    width: {c['width']}",
            f"    height: {c['height']}",
        ]
    open(dst, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
