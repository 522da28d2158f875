#!/usr/bin/python3
"""Tests scripts/convert_cdf.py on small Human3.6M-layout trees of .cdf files
written by this file's own CDF writer (following the "CDF Internal Format
Description" for CDF 3, independently of scripts/hpe3d_cdf.py): uncompressed
and GZIP-compressed (whole file: CCR + CPR; per variable: CVVR), zVariables
and rVariables, flat / chained / nested VXRs, little- and big-endian, row- and
column-major, CDF_DOUBLE / CDF_FLOAT / REAL4 / REAL8. The expected camera-frame
3D and 2D are computed here from configs/cameras/h36m.yaml.

usage: convert_cdf_test.py [PATH/TO/h36m-prepare]
  (the C++ reader check is skipped only if that path does not exist)
"""
import gzip
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np
import yaml

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCRIPT = os.path.join(REPO, "scripts", "convert_cdf.py")
CAMERAS = os.path.join(REPO, "configs", "cameras", "h36m.yaml")
TOOL = sys.argv.pop(1) if len(sys.argv) > 1 else ""

KEEP = [0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27]
ACTIONS = ["Directions", "Discussion", "Eating", "Greeting", "Phoning", "Photo", "Posing", "Purchases",
           "Sitting", "SittingDown", "Smoking", "Waiting", "WalkDog", "Walking", "WalkTogether"]

# --- a CDF 3 writer ---------------------------------------------------------
# Internal records: RecordSize int64, RecordType int32, then fields; all
# internal fields big-endian; values in the file's encoding.
IBMPC, NETWORK, SUN = 6, 1, 2
CDF_INT4, CDF_REAL4, CDF_REAL8, CDF_FLOAT, CDF_DOUBLE = 4, 21, 22, 44, 45
NUMPY = {CDF_INT4: "i4", CDF_REAL4: "f4", CDF_REAL8: "f8", CDF_FLOAT: "f4", CDF_DOUBLE: "f8"}


def be(fmt, *values):
    return struct.pack(">" + fmt, *values)


def name256(name):
    return name.encode("ascii").ljust(256, b"\0")


class CdfFile:
    """variables: dicts name, type, dims (per record), values (nrec, *dims),
    z (zVariable) or r (its dims are the file's rDims), blocks (records per
    VVR/CVVR), vxr ("flat", "chain", "tree"), compress (GZIP CVVRs)."""

    def __init__(self, encoding=IBMPC, row_major=True, rdims=()):
        self.encoding, self.row_major, self.rdims = encoding, row_major, list(rdims)
        self.vars = []

    def add(self, name, dtype, values, z=True, blocks=None, vxr="flat", compress=False):
        values = np.asarray(values)
        self.vars.append(dict(name=name, type=dtype, values=values, dims=list(values.shape[1:]), z=z,
                              blocks=blocks or values.shape[0], vxr=vxr, compress=compress))
        return self

    def value_bytes(self, v, first, last):
        order = "<" if self.encoding == IBMPC else ">"
        recs = v["values"][first:last + 1]
        if not self.row_major and recs.ndim > 2:  # first dimension varies fastest inside a record
            recs = np.stack([r.ravel(order="F") for r in recs])
        return recs.astype(order + NUMPY[v["type"]]).tobytes()

    def build(self, compress_file=False):
        buf = bytearray(be("II", 0xCDF30001, 0x0000FFFF))

        def put(record):
            offset = len(buf)
            buf.extend(record)
            return offset

        def patch(offset, fmt, *values):
            buf[offset:offset + struct.calcsize(">" + fmt)] = be(fmt, *values)

        # CDR at 8: GDRoffset, Version, Release, Encoding, Flags (row major | single file),
        # rfuA, rfuB, Increment, Identifier, rfuE, Copyright[256].
        flags = (1 if self.row_major else 0) | 2
        cdr = be("qiiiiiiiii", 0, 3, 9, self.encoding, flags, 0, 0, 0, 2, -1) + b"Common Data Format".ljust(256, b"\0")
        cdr_at = put(be("qi", 12 + len(cdr), 1) + cdr)
        # GDR: rVDRhead, zVDRhead, ADRhead, eof, NrVars, NumAttr, rMaxRec, rNumDims, NzVars,
        # UIRhead, rfuC, LeapSecondLastUpdated, rfuE, rDimSizes.
        gdr = be("qqqqiiiiiqiii", 0, 0, 0, 0, 0, 0, -1, len(self.rdims), 0, 0, 0, -1, -1)
        gdr += be(f"{len(self.rdims)}i", *self.rdims)
        gdr_at = put(be("qi", 12 + len(gdr), 2) + gdr)
        patch(cdr_at + 12, "q", gdr_at)

        heads, last_vdr, counts, rmax = {True: 0, False: 0}, {True: None, False: None}, {True: 0, False: 0}, -1
        for v in self.vars:
            z = v["z"]
            dims = v["dims"] if z else self.rdims
            assert dims == v["dims"], "an rVariable has the file's rDims"
            nrec = v["values"].shape[0]
            rflags = 1 | (4 if v["compress"] else 0)
            body = be("qiiqqiiiiiiiqi", 0, v["type"], nrec - 1, 0, 0, rflags, 0, 0, -1, -1, 1,
                      counts[z], -1, v["blocks"]) + name256(v["name"])
            if z:
                body += be("i", len(dims)) + be(f"{len(dims)}i", *dims)
            body += be(f"{len(dims)}i", *([-1] * len(dims)))
            vdr_at = put(be("qi", 12 + len(body), 8 if z else 3) + body)
            if last_vdr[z] is None:
                heads[z] = vdr_at
            else:
                patch(last_vdr[z] + 12, "q", vdr_at)
            last_vdr[z] = vdr_at
            counts[z] += 1
            if not z:
                rmax = max(rmax, nrec - 1)
            # Values: one VVR (or CVVR) per block of records.
            entries = []
            for first in range(0, nrec, v["blocks"]):
                last = min(first + v["blocks"], nrec) - 1
                data = self.value_bytes(v, first, last)
                if v["compress"]:
                    c = gzip.compress(data, 6)
                    at = put(be("qiiq", 24 + len(c), 13, 0, len(c)) + c)
                else:
                    at = put(be("qi", 12 + len(data), 7) + data)
                entries.append((first, last, at))

            def vxr(items, spare=0):
                n = len(items) + spare
                firsts = [e[0] for e in items] + [-1] * spare
                lasts = [e[1] for e in items] + [-1] * spare
                offs = [e[2] for e in items] + [-1] * spare
                rec = be("qii", 0, n, len(items)) + be(f"{n}i", *firsts) + be(f"{n}i", *lasts) + be(f"{n}q", *offs)
                return put(be("qi", 12 + len(rec), 6) + rec)

            if v["vxr"] == "flat":
                head = tail = vxr(entries, spare=2)
            elif v["vxr"] == "chain":  # two entries per VXR, linked by VXRnext
                made = [vxr(entries[i:i + 2]) for i in range(0, len(entries), 2)]
                for a, b in zip(made, made[1:]):
                    patch(a + 12, "q", b)
                head, tail = made[0], made[-1]
            else:  # "tree": a top VXR whose entries are VXRs of two entries each
                subs = [(g[0][0], g[-1][1], vxr(g)) for g in (entries[i:i + 2] for i in range(0, len(entries), 2))]
                head = tail = vxr(subs)
            patch(vdr_at + 28, "qq", head, tail)
            if v["compress"]:
                cpr_at = put(be("qiiiii", 28, 11, 5, 0, 1, 6))  # GZIP, level 6
                patch(vdr_at + 72, "q", cpr_at)

        patch(gdr_at + 12, "qq", heads[False], heads[True])
        patch(gdr_at + 44, "i", counts[False])
        patch(gdr_at + 52, "i", rmax)
        patch(gdr_at + 60, "i", counts[True])
        patch(gdr_at + 36, "q", len(buf))
        if not compress_file:
            return bytes(buf)
        # Whole-file compression: magic 0xCDF30001 0xCCCC0001, a CCR (CPRoffset,
        # uSize, rfuA, the GZIP stream of the uncompressed file after its magic
        # numbers), then the CPR.
        c = gzip.compress(bytes(buf[8:]), 6)
        ccr = be("qiqqi", 32 + len(c), 10, 8 + 32 + len(c), len(buf) - 8, 0) + c
        return be("II", 0xCDF30001, 0xCCCC0001) + ccr + be("qiiiii", 28, 11, 5, 0, 1, 6)


# --- expected values --------------------------------------------------------

def cameras():
    with open(CAMERAS) as fh:
        doc = yaml.safe_load(fh)
    return {(c["subject"], c["index"]): c for c in doc["cameras"]}


def to_camera(world_mm, c):
    r = np.array(c["R"], dtype=np.float64).reshape(3, 3)
    return np.einsum("ij,tnj->tni", r, world_mm - np.array(c["T"], dtype=np.float64))


def distort_project(x, c):
    u, v = x[..., 0] / x[..., 2], x[..., 1] / x[..., 2]
    k1, k2, k3 = c["k"]
    p1, p2 = c["p"]
    r2 = u * u + v * v
    scale = 1 + k1 * r2 + k2 * r2 * r2 + k3 * r2 * r2 * r2 + p1 * v + p2 * u
    return np.stack([c["f"][0] * (u * scale + p2 * r2) + c["c"][0],
                     c["f"][1] * (v * scale + p1 * r2) + c["c"][1]], -1)


def poses(rng, t):
    """(T, 96) world mm: a person near the origin, ~1 m up."""
    return (rng.normal(0, 300, (t, 32, 3)) + [100, -200, 1000]).reshape(t, 96)


def write(root, subject, name, blob):
    d = os.path.join(root, f"S{subject}", "MyPoseFeatures", "D3_Positions")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + ".cdf"), "wb") as fh:
        fh.write(blob)


def make_tree(root):
    """Returns {(subject, name): (T, 32, 3) world mm as stored} of the sequences to expect."""
    rng = np.random.default_rng(11)
    expect = {}

    def pose_1tx96(t, dtype):
        p = poses(rng, t).astype(dtype)
        return p, p[None]  # one record of dims [T, 96], as Human3.6M ships it

    # S1 "Directions 1": uncompressed, little-endian, row-major, CDF_DOUBLE zVariable,
    # after a decoy zVariable of frame numbers.
    p, rec = pose_1tx96(9, np.float64)
    write(root, 1, "Directions 1", CdfFile(IBMPC).add("Frame", CDF_INT4, np.arange(9)[:, None])
          .add("Pose", CDF_DOUBLE, rec).build())
    expect[(1, "Directions 1")] = p
    # S1 "Directions": whole-file GZIP, big-endian, column-major, CDF_FLOAT.
    p, rec = pose_1tx96(7, np.float32)
    write(root, 1, "Directions", CdfFile(NETWORK, row_major=False).add("Pose", CDF_FLOAT, rec).build(True))
    expect[(1, "Directions")] = p
    # S1 "Sitting 2": per-variable GZIP (CVVRs of 3 records), rVariable (rDims [96]),
    # one record per frame, nested VXR tree, REAL8.
    p = poses(rng, 11)
    write(root, 1, "Sitting 2", CdfFile(IBMPC, rdims=[96]).add("Pose", CDF_REAL8, p, z=False, blocks=3,
                                                              vxr="tree", compress=True).build())
    expect[(1, "Sitting 2")] = p
    # S1 "_ALL": not an action, skipped.
    write(root, 1, "_ALL", CdfFile(IBMPC).add("Pose", CDF_DOUBLE, poses(rng, 2)[None]).build())
    # S5 "WalkingDog 1": uncompressed big-endian (SUN), zVariable of dims [96] per frame,
    # VVRs of 2 records in a VXR chain, REAL4.
    p = poses(rng, 7).astype(np.float32)
    write(root, 5, "WalkingDog 1", CdfFile(SUN).add("Pose", CDF_REAL4, p, blocks=2, vxr="chain").build())
    expect[(5, "WalkingDog 1")] = p
    # S5 "TakingPhoto": whole-file GZIP, little-endian, CDF_DOUBLE, plus a compressed
    # zVariable after Pose.
    p, rec = pose_1tx96(6, np.float64)
    write(root, 5, "TakingPhoto", CdfFile(IBMPC).add("Pose", CDF_DOUBLE, rec)
          .add("Other", CDF_DOUBLE, np.ones((4, 3)), compress=True, blocks=2).build(True))
    expect[(5, "TakingPhoto")] = p
    # S11: "Directions" is dropped, "SittingDown 2" kept (column-major, little-endian,
    # per-variable compression of the one record).
    write(root, 11, "Directions", CdfFile(IBMPC).add("Pose", CDF_DOUBLE, poses(rng, 5)[None]).build())
    p, rec = pose_1tx96(8, np.float64)
    write(root, 11, "SittingDown 2", CdfFile(IBMPC, row_major=False).add("Pose", CDF_DOUBLE, rec,
                                                                           compress=True).build())
    expect[(11, "SittingDown 2")] = p
    return {k: v.reshape(-1, 32, 3).astype(np.float64) for k, v in expect.items()}


LABELS = {"Directions 1": ("Directions", 1), "Directions": ("Directions", 0), "Sitting 2": ("Sitting", 2),
          "WalkingDog 1": ("WalkDog", 1), "TakingPhoto": ("Photo", 0), "SittingDown 2": ("SittingDown", 2)}


def convert(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, cwd=REPO)


def read(path):
    with h5py.File(path, "r") as f:
        out = {k: f[k][:] for k in ("pose3d", "pose2d", "subject", "action", "subaction", "camera", "frame")}
        out["names"] = list(f["action_names"].asstr()[:])
        out["attrs"] = dict(f.attrs)
    return out


class ConvertCdf(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = os.path.join(cls.tmp.name, "h36m")
        cls.expect = make_tree(cls.root)
        cls.out = os.path.join(cls.tmp.name, "h36m.h5")
        cls.proc = convert("--root", cls.root, "--out", cls.out)
        if cls.proc.returncode != 0:
            raise AssertionError(f"converter failed: {cls.proc.stdout}{cls.proc.stderr}")
        cls.data = read(cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def rows(self, d, s, name, cam):
        action, sub = LABELS[name]
        return np.nonzero((d["subject"] == s) & (d["action"] == ACTIONS.index(action)) & (d["subaction"] == sub)
                          & (d["camera"] == cam))[0]

    def test_camera_frame_3d_and_2d_match_an_independent_projection(self):
        cams = cameras()
        total = 0
        for (s, name), world in self.expect.items():
            for cam in range(1, 5):
                r = self.rows(self.data, s, name, cam)
                self.assertEqual(len(r), len(world), f"S{s} {name} camera {cam}")
                np.testing.assert_array_equal(self.data["frame"][r], np.arange(len(world)))
                x = to_camera(world[:, KEEP], cams[(s, cam)])
                np.testing.assert_allclose(self.data["pose3d"][r], x, rtol=0, atol=0.01, err_msg=f"S{s} {name}")
                np.testing.assert_allclose(self.data["pose2d"][r], distort_project(x, cams[(s, cam)]),
                                           rtol=0, atol=0.01, err_msg=f"S{s} {name}")
                total += len(r)
        self.assertEqual(len(self.data["pose3d"]), total, "no other rows (S11 Directions, _ALL)")

    def test_labels_and_notes(self):
        self.assertEqual(self.data["names"], ACTIONS)
        self.assertEqual(self.data["attrs"]["format"], "hpe3d-poses")
        self.assertEqual(sorted(set(self.data["subject"].tolist())), [1, 5, 11])
        self.assertRegex(self.proc.stdout, r"(?m)^dropped S11 'Directions'.*broken")
        self.assertRegex(self.proc.stdout, r"(?m)^skipped S1 '_ALL.cdf'")
        self.assertIn("6 sequences", self.proc.stdout)

    def test_stride_and_subjects(self):
        out = os.path.join(self.tmp.name, "stride.h5")
        r = convert("--root", self.root, "--out", out, "--subjects", "5", "--stride", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = read(out)
        self.assertEqual(set(d["subject"].tolist()), {5})
        rows = self.rows(d, 5, "WalkingDog 1", 3)
        np.testing.assert_array_equal(d["frame"][rows], [0, 3, 6])
        x = to_camera(self.expect[(5, "WalkingDog 1")][[0, 3, 6]][:, KEEP], cameras()[(5, 3)])
        np.testing.assert_allclose(d["pose3d"][rows], x, rtol=0, atol=0.01)

    def test_cpp_reader_accepts_the_file(self):
        if not os.path.exists(TOOL):
            self.skipTest(f"h36m-prepare not found at '{TOOL}'")
        r = subprocess.run([TOOL, "info", self.out], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"subjects: S1=\d+ S5=\d+ S11=\d+")
        self.assertIn(f"samples: {len(self.data['pose3d'])}", r.stdout)

    # --- errors: one line on stderr, exit 2, no output and no temporary file

    def error_root(self, name, subjects=(1,)):
        root = os.path.join(self.tmp.name, name)
        for s in subjects:
            shutil.copytree(os.path.join(self.root, f"S{s}"), os.path.join(root, f"S{s}"))
        return root

    def assert_refused(self, args, out, *words):
        before = set(os.listdir(os.path.dirname(out)))
        r = convert(*args, "--out", out)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        msg = r.stderr.strip()
        self.assertTrue(msg and "\n" not in msg, f"one line expected: {r.stderr!r}")
        for w in words:
            self.assertIn(w, msg)
        self.assertFalse(os.path.exists(out), "no output file")
        self.assertEqual(set(os.listdir(os.path.dirname(out))), before, "no temporary file left")
        return msg

    def test_missing_subject(self):
        root = self.error_root("missing")
        self.assert_refused(["--root", root, "--subjects", "1,6"], os.path.join(self.tmp.name, "m.h5"), "S6")

    def test_subject_without_calibration(self):
        root = self.error_root("calib")
        write(root, 12, "Eating 1", CdfFile(IBMPC).add("Pose", CDF_DOUBLE, poses(np.random.default_rng(1), 3)[None])
              .build())
        self.assert_refused(["--root", root], os.path.join(self.tmp.name, "c.h5"), "S12", "'Eating 1'", "calibration")

    def test_truncated_cdf_mid_conversion(self):
        # S1 "Directions 1" is written before S1 "Sitting 2" is read: the
        # partial output must disappear.
        root = self.error_root("truncated")
        path = os.path.join(root, "S1", "MyPoseFeatures", "D3_Positions", "Sitting 2.cdf")
        with open(path, "rb") as fh:
            blob = fh.read()
        with open(path, "wb") as fh:
            fh.write(blob[: len(blob) * 2 // 3])
        self.assert_refused(["--root", root], os.path.join(self.tmp.name, "t.h5"), path, "truncated")

    def test_not_a_cdf_and_no_pose_variable(self):
        root = self.error_root("nopose")
        path = os.path.join(root, "S1", "MyPoseFeatures", "D3_Positions", "Sitting 2.cdf")
        with open(path, "wb") as fh:
            fh.write(CdfFile(IBMPC).add("Frame", CDF_INT4, np.arange(4)[:, None]).build())
        msg = self.assert_refused(["--root", root], os.path.join(self.tmp.name, "p.h5"))
        self.assertEqual(msg, f"{path}: no variable 'Pose'")
        with open(path, "wb") as fh:
            fh.write(b"\x89HDF\r\n\x1a\n" + bytes(64))
        self.assert_refused(["--root", root], os.path.join(self.tmp.name, "p.h5"), path, "not a CDF file")

    def test_junk_cdf(self):
        root = self.error_root("junk")
        path = os.path.join(root, "S1", "MyPoseFeatures", "D3_Positions", "Sitting 2.cdf")
        with open(path, "w") as fh:
            fh.write("junk\n" * 40)
        self.assert_refused(["--root", root], os.path.join(self.tmp.name, "j.h5"), path, "not a CDF file")
        # Sound headers, a corrupt variable descriptor: a negative or absurd
        # dimension size of "Pose" (numpy's errors must become one line).
        blob = CdfFile(IBMPC).add("Pose", CDF_DOUBLE, poses(np.random.default_rng(2), 4)[None]).build()
        dims_at = blob.index(name256("Pose")) + 256 + 4  # zVDR: Name[256], zNumDims, zDimSizes
        for size in (-7, 1 << 20, 0x7FFFFFFF):
            with open(path, "wb") as fh:
                fh.write(blob[:dims_at] + be("i", size) + blob[dims_at + 4:])
            self.assert_refused(["--root", root], os.path.join(self.tmp.name, "j.h5"), path, "Pose")

    def test_calibrations_lacking_a_camera(self):
        with open(CAMERAS) as fh:
            doc = yaml.safe_load(fh)
        doc["cameras"] = [c for c in doc["cameras"] if (c["subject"], c["index"]) != (5, 2)]
        path = os.path.join(self.tmp.name, "three_cams.yaml")
        with open(path, "w") as fh:
            yaml.safe_dump(doc, fh)
        self.assert_refused(["--root", self.root, "--cameras", path], os.path.join(self.tmp.name, "k.h5"),
                            path, "S5", "camera 2", "55011271")
        out = os.path.join(self.tmp.name, "k11.h5")
        r = convert("--root", self.root, "--cameras", path, "--subjects", "11", "--out", out)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(sorted(set(read(out)["camera"].tolist())), [1, 2, 3, 4])

    def test_calibrations_from_cameras_h5_in_wild_layouts(self):
        # A Martinez-style cameras.h5 (R stored transposed) with row vectors and
        # MATLAB (8,1) uint8 names, or with no names at all: the same file as
        # the YAML calibrations give.
        cams = cameras()
        for layout in ("matlab", "noname"):
            path = os.path.join(self.tmp.name, f"cameras_{layout}.h5")
            with h5py.File(path, "w") as f:
                for (s, i), c in cams.items():
                    g = f.create_group(f"subject{s}/camera{i}")
                    g["R"] = np.array(c["R"], dtype=np.float64).reshape(3, 3).T
                    for key in ("T", "f", "c", "k", "p"):
                        g[key] = np.array(c[key], dtype=np.float64).reshape(1, -1)
                    if layout == "matlab":
                        g["Name"] = np.frombuffer(c["name"].encode(), np.uint8).reshape(-1, 1)
            out = os.path.join(self.tmp.name, f"{layout}.h5")
            r = convert("--root", self.root, "--cameras", path, "--out", out)
            self.assertEqual(r.returncode, 0, layout + ": " + r.stdout + r.stderr)
            got = read(out)
            for key in ("pose3d", "pose2d", "subject", "action", "camera", "frame"):
                np.testing.assert_array_equal(got[key], self.data[key], err_msg=f"{layout}: {key}")


if __name__ == "__main__":
    unittest.main()
