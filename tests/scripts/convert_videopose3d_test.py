#!/usr/bin/python3
"""Tests scripts/convert_videopose3d.py on small VideoPose3D-layout .npz files
(pickled dicts written by np.savez, as VideoPose3D does). The expected
camera-frame 3D and 2D are computed here with this file's own numpy code from
configs/cameras/h36m.yaml, not with the converter's module.

usage: convert_videopose3d_test.py [PATH/TO/h36m-prepare]
  (the C++ reader check is skipped only if that path does not exist)
"""
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np
import yaml

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCRIPT = os.path.join(REPO, "scripts", "convert_videopose3d.py")
CAMERAS = os.path.join(REPO, "configs", "cameras", "h36m.yaml")
TOOL = sys.argv.pop(1) if len(sys.argv) > 1 else ""

KEEP = [0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27]
ACTIONS = ["Directions", "Discussion", "Eating", "Greeting", "Phoning", "Photo", "Posing", "Purchases",
           "Sitting", "SittingDown", "Smoking", "Waiting", "WalkDog", "Walking", "WalkTogether"]
# subject -> sequence name -> frames of the 3D
SEQUENCES = {
    "S1": {"Directions 1": 12, "Directions": 9, "Sitting 1": 7, "SittingDown 2": 8, "TakingPhoto": 6,
           "WalkingDog 1": 5, "_ALL": 4},
    "S9": {"Walking": 6, "WalkTogether 1": 7},
    "S11": {"Directions": 5, "Directions 1": 6, "Eating 2": 7},
}
# What /action and /subaction must say (the C++ martinez reader's rules).
LABELS = {"Directions 1": ("Directions", 1), "Directions": ("Directions", 0), "Sitting 1": ("Sitting", 1),
          "SittingDown 2": ("SittingDown", 2), "TakingPhoto": ("Photo", 0), "WalkingDog 1": ("WalkDog", 1),
          "Walking": ("Walking", 0), "WalkTogether 1": ("WalkTogether", 1), "Eating 2": ("Eating", 2)}
# Detection length minus 3D length, per camera, where they differ.
DET_OFFSET = {("S1", "Directions 1"): [0, -2, 0, 0], ("S9", "Walking"): [3, 3, 3, 3],
              ("S11", "Eating 2"): [0, 0, 1, -1]}
EXPECTED_LEN = {("S1", "Directions 1"): 10, ("S9", "Walking"): 6, ("S11", "Eating 2"): 6}


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
    ud = u * scale + p2 * r2
    vd = v * scale + p1 * r2
    return np.stack([c["f"][0] * ud + c["c"][0], c["f"][1] * vd + c["c"][1]], -1)


def make_inputs(d):
    rng = np.random.default_rng(3)
    world = {s: {a: (rng.normal(0, 0.3, (t, 32, 3)) + [0.2, -0.1, 1.0]).astype(np.float32)
                 for a, t in acts.items()} for s, acts in SEQUENCES.items()}
    det = {s: {a: [rng.uniform(0, 1000, (t + DET_OFFSET.get((s, a), [0] * 4)[i], 17, 2)).astype(np.float32)
                   for i in range(4)] for a, t in acts.items()} for s, acts in SEQUENCES.items()}
    gt = {s: {a: [rng.uniform(0, 1000, (t, 17, 2)).astype(np.float32) for i in range(4)]
              for a, t in acts.items()} for s, acts in SEQUENCES.items()}
    meta = {"layout_name": "h36m", "num_joints": 17,
            "keypoints_symmetry": [[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]]}
    np.savez(os.path.join(d, "data_3d_h36m.npz"), positions_3d=world)
    np.savez(os.path.join(d, "det.npz"), positions_2d=det, metadata=meta)
    np.savez(os.path.join(d, "data_2d_h36m_gt.npz"), positions_2d=gt, metadata=meta)
    return world, det, gt


def convert(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, cwd=REPO)


def read(path):
    with h5py.File(path, "r") as f:
        out = {k: f[k][:] for k in ("pose3d", "pose2d", "subject", "action", "subaction", "camera", "frame")}
        out["names"] = list(f["action_names"].asstr()[:])
        out["det"] = {k: f["pose2d_det"][k][:] for k in f["pose2d_det"]} if "pose2d_det" in f else {}
        out["attrs"] = dict(f.attrs)
        out["cams"] = sorted(f"{s}/{i}" for s in f["cameras"] for i in f["cameras"][s])
    return out


class ConvertVideoPose3D(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.world, cls.detections, cls.gt = make_inputs(cls.dir)
        cls.out = os.path.join(cls.dir, "h36m.h5")
        cls.proc = convert("--3d", os.path.join(cls.dir, "data_3d_h36m.npz"),
                          "--2d", "cpn=" + os.path.join(cls.dir, "det.npz"),
                          "--2d", os.path.join(cls.dir, "data_2d_h36m_gt.npz"), "--out", cls.out)
        if cls.proc.returncode != 0:
            raise AssertionError(f"converter failed: {cls.proc.stdout}{cls.proc.stderr}")
        cls.data = read(cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def expected_sequences(self):
        return [(s, a) for s, acts in SEQUENCES.items() for a in acts
                if a != "_ALL" and not (s == "S11" and a == "Directions")]

    def rows(self, data, s, a, cam):
        action, sub = LABELS[a]
        return np.nonzero((data["subject"] == int(s[1:])) & (data["action"] == ACTIONS.index(action))
                          & (data["subaction"] == sub) & (data["camera"] == cam))[0]

    def test_format_and_action_names(self):
        d = self.data
        self.assertEqual(d["attrs"]["format"], "hpe3d-poses")
        self.assertEqual(int(d["attrs"]["version"]), 1)
        self.assertEqual(d["names"], ACTIONS)
        self.assertEqual(d["pose3d"].dtype, np.float32)
        self.assertEqual(d["det"]["cpn"].dtype, np.float32)
        for k in ("subject", "action", "subaction", "camera", "frame"):
            self.assertEqual(d[k].dtype, np.int32, k)
        self.assertEqual(sorted(d["det"]), ["cpn", "data_2d_h36m_gt"])
        self.assertEqual(d["cams"], sorted(f"S{s}/{i}" for s in (1, 9, 11) for i in range(1, 5)))

    def test_camera_frame_3d_and_2d_match_an_independent_projection(self):
        cams = cameras()
        total = 0
        for s, a in self.expected_sequences():
            n = EXPECTED_LEN.get((s, a), SEQUENCES[s][a])
            world = self.world[s][a][:n][:, KEEP].astype(np.float64) * 1000.0
            for cam in range(1, 5):
                r = self.rows(self.data, s, a, cam)
                self.assertEqual(len(r), n, f"{s} {a} camera {cam}")
                self.assertTrue((np.diff(r) == 1).all(), "rows of one sequence and camera are contiguous")
                np.testing.assert_array_equal(self.data["frame"][r], np.arange(n))
                c = cams[(int(s[1:]), cam)]
                x = to_camera(world, c)
                np.testing.assert_allclose(self.data["pose3d"][r], x, rtol=0, atol=0.01)
                np.testing.assert_allclose(self.data["pose2d"][r], distort_project(x, c), rtol=0, atol=0.01)
                np.testing.assert_array_equal(self.data["det"]["cpn"][r], self.detections[s][a][cam - 1][:n])
                np.testing.assert_array_equal(self.data["det"]["data_2d_h36m_gt"][r], self.gt[s][a][cam - 1][:n])
                total += n
        self.assertEqual(len(self.data["pose3d"]), total, "no other rows (S11 Directions, _ALL)")
        self.assertEqual(len(self.data["det"]["cpn"]), total)

    def test_s11_directions_dropped_with_a_note(self):
        self.assertEqual(len(self.rows(self.data, "S11", "Directions", 1)), 0)
        self.assertEqual(len(self.rows(self.data, "S11", "Directions 1", 1)), 6)
        self.assertEqual(len(self.rows(self.data, "S1", "Directions", 1)), 9)
        self.assertRegex(self.proc.stdout, r"(?m)^.*S11 'Directions'.*broken.*$")
        self.assertIn("_ALL", self.proc.stdout)

    def test_trimming_is_reported(self):
        lines = [l for l in self.proc.stdout.splitlines() if l.startswith("trimmed S")]
        self.assertEqual(len(lines), 3, self.proc.stdout)
        for (s, a), n in EXPECTED_LEN.items():
            self.assertTrue(any(f"{s} '{a}'" in l and l.endswith(f"-> {n} frames") for l in lines),
                            f"{s} {a}: {lines}")
        self.assertRegex(self.proc.stdout, r"(?m)^trimmed 3 of 10 sequences.*: 3 3D frames and 34 2D frames")

    def test_stride_and_subjects(self):
        out = os.path.join(self.dir, "stride.h5")
        r = convert("--3d", os.path.join(self.dir, "data_3d_h36m.npz"), "--2d", os.path.join(self.dir, "det.npz"),
                    "--out", out, "--subjects", "1,11", "--stride", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = read(out)
        self.assertEqual(sorted(set(d["subject"].tolist())), [1, 11])
        rows = self.rows(d, "S1", "Directions 1", 2)
        np.testing.assert_array_equal(d["frame"][rows], [0, 3, 6, 9])  # 12 frames trimmed to 10
        np.testing.assert_array_equal(d["det"]["det"][rows], self.detections["S1"]["Directions 1"][1][[0, 3, 6, 9]])
        c = cameras()[(1, 2)]
        x = to_camera(self.world["S1"]["Directions 1"][[0, 3, 6, 9]][:, KEEP].astype(np.float64) * 1000, c)
        np.testing.assert_allclose(d["pose3d"][rows], x, rtol=0, atol=0.01)

    def test_cpp_reader_accepts_the_file(self):
        if not os.path.exists(TOOL):
            self.skipTest(f"h36m-prepare not found at '{TOOL}'")
        r = subprocess.run([TOOL, "info", self.out], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"subjects: S1=\d+ S9=\d+ S11=\d+")
        self.assertIn(f"samples: {len(self.data['pose3d'])}", r.stdout)

    def test_same_labels_and_row_order_as_h36m_prepare_martinez(self):
        # The same world poses as a Martinez tree (through the C++ reader) and
        # as a VideoPose3D file (through the converter) give identical labels,
        # /action_names and row order, and the same poses.
        if not os.path.exists(TOOL):
            self.skipTest(f"h36m-prepare not found at '{TOOL}'")
        d = self.error_dir("martinez")
        names = {1: ["Directions 1", "Directions", "SittingDown 2", "Sitting 1", "TakingPhoto", "WalkingDog 1",
                     "Eating_2", "_ALL", "Walking", "WalkTogether 1"],
                 9: ["Photo 1", "WalkDog", "Greeting 2", "Purchases"]}
        rng = np.random.default_rng(5)
        cams = cameras()
        world = {}
        with h5py.File(os.path.join(d, "cameras.h5"), "w") as cf:
            for s, seqs in names.items():
                for i in range(1, 5):
                    c, g = cams[(s, i)], cf.create_group(f"subject{s}/camera{i}")
                    g["R"] = np.array(c["R"], dtype=np.float64).reshape(3, 3).T  # stored transposed
                    for key, n in (("T", 3), ("f", 2), ("c", 2), ("k", 3), ("p", 2)):
                        g[key] = np.array(c[key], dtype=np.float64).reshape(n, 1)
                    g["Name"] = np.frombuffer(c["name"].encode(), dtype=np.uint8)
                folder = os.path.join(d, "h36m", f"S{s}", "MyPoses", "3D_positions")
                os.makedirs(folder)
                world[f"S{s}"] = {}
                for name in seqs:
                    mm = rng.normal(0, 300, (int(rng.integers(3, 9)), 32, 3)) + [0, 0, 1000]
                    with h5py.File(os.path.join(folder, name + ".h5"), "w") as f:
                        f["3D_positions"] = mm.reshape(len(mm), 96).T
                    world[f"S{s}"][name] = mm / 1000.0
        np.savez(os.path.join(d, "d3.npz"), positions_3d=world)
        r = subprocess.run([TOOL, "martinez", "--root", os.path.join(d, "h36m"), "--cameras",
                            os.path.join(d, "cameras.h5"), "--subjects", "1,9", "--out", os.path.join(d, "cpp.h5")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = convert("--3d", os.path.join(d, "d3.npz"), "--out", os.path.join(d, "py.h5"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        cpp, py = read(os.path.join(d, "cpp.h5")), read(os.path.join(d, "py.h5"))
        self.assertEqual(py["names"], cpp["names"])
        self.assertEqual(len(py["subject"]), 4 * sum(len(v) for s in world.values() for k, v in s.items()
                                                     if k != "_ALL"))
        for k in ("subject", "action", "subaction", "camera", "frame"):
            np.testing.assert_array_equal(py[k], cpp[k], err_msg=k)
        np.testing.assert_allclose(py["pose3d"], cpp["pose3d"], rtol=0, atol=0.01)
        np.testing.assert_allclose(py["pose2d"], cpp["pose2d"], rtol=0, atol=0.01)

    # --- errors: one line on stderr, exit 2, no output (and no temporary) file

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

    def error_dir(self, name):
        d = os.path.join(self.dir, name)
        os.makedirs(d)
        return d

    def test_missing_camera_in_a_2d_file(self):
        d = self.error_dir("camera")
        det = {s: {a: list(v) for a, v in acts.items()} for s, acts in self.detections.items()}
        det["S9"]["WalkTogether 1"] = det["S9"]["WalkTogether 1"][:3]
        path = os.path.join(d, "three_cams.npz")
        np.savez(path, positions_2d=det)
        self.assert_refused(["--3d", os.path.join(self.dir, "data_3d_h36m.npz"), "--2d", path],
                            os.path.join(d, "out.h5"), path, "S9", "'WalkTogether 1'", "camera 4", "60457274")

    def test_missing_subject_or_action_in_a_2d_file(self):
        d = self.error_dir("subject")
        det = {s: dict(acts) for s, acts in self.detections.items() if s != "S11"}
        path = os.path.join(d, "no_s11.npz")
        np.savez(path, positions_2d=det)
        self.assert_refused(["--3d", os.path.join(self.dir, "data_3d_h36m.npz"), "--2d", path],
                            os.path.join(d, "out.h5"), path, "S11", "'Directions 1'")
        det = {s: dict(acts) for s, acts in self.detections.items()}
        del det["S1"]["Sitting 1"]
        path = os.path.join(d, "no_sitting.npz")
        np.savez(path, positions_2d=det)
        self.assert_refused(["--3d", os.path.join(self.dir, "data_3d_h36m.npz"), "--2d", path],
                            os.path.join(d, "out.h5"), path, "S1", "'Sitting 1'")

    def test_subject_without_calibration(self):
        d = self.error_dir("calibration")
        world = {"S1": self.world["S1"], "S12": {"Eating 1": self.world["S1"]["Directions 1"]}}
        path = os.path.join(d, "s12.npz")
        np.savez(path, positions_3d=world)
        self.assert_refused(["--3d", path], os.path.join(d, "out.h5"), path, "S12", "'Eating 1'", "calibration")

    def test_npz_without_positions_3d(self):
        d = self.error_dir("key")
        path = os.path.join(d, "wrong.npz")
        np.savez(path, positions=self.world)
        msg = self.assert_refused(["--3d", path], os.path.join(d, "out.h5"))
        self.assertEqual(msg, f"{path}: no key 'positions_3d'")

    def test_junk_npz_files(self):
        # Neither a zip (.npz) nor a .npy: np.load(allow_pickle=True) tries to
        # unpickle it; that must be a one-line error naming the file too.
        d = self.error_dir("junk")
        junk = os.path.join(d, "junk.npz")
        with open(junk, "w") as fh:
            fh.write("junk\n")
        truncated = os.path.join(d, "truncated.npz")
        with open(os.path.join(self.dir, "det.npz"), "rb") as src, open(truncated, "wb") as fh:
            fh.write(src.read()[:5000])
        d3 = os.path.join(self.dir, "data_3d_h36m.npz")
        for path in (junk, truncated):
            self.assert_refused(["--3d", path], os.path.join(d, "out.h5"), path)
            self.assert_refused(["--3d", d3, "--2d", path], os.path.join(d, "out.h5"), path)
            self.assert_refused(["--3d", d3, "--2d", "cpn=" + path], os.path.join(d, "out.h5"), path)

    def test_nan_or_inf_in_a_2d_file(self):
        d = self.error_dir("nan2d")
        d3 = os.path.join(self.dir, "data_3d_h36m.npz")
        for bad, camera, cam_id in ((np.nan, 3, "58860488"), (np.inf, 1, "54138969"), (-np.inf, 4, "60457274")):
            det = {s: {a: [v.copy() for v in views] for a, views in acts.items()}
                   for s, acts in self.detections.items()}
            det["S9"]["Walking"][camera - 1][2, 5, 1] = bad
            path = os.path.join(d, f"bad{camera}.npz")
            np.savez(path, positions_2d=det)
            msg = self.assert_refused(["--3d", d3, "--2d", "cpn=" + path], os.path.join(d, "out.h5"),
                                      path, "S9 'Walking'", f"camera {camera} ({cam_id})", "NaN or Inf",
                                      "frame 2, joint 5")
            self.assertNotIn("Walking 1", msg)
        # 2D values that are not numbers at all
        det = {s: {a: list(views) for a, views in acts.items()} for s, acts in self.detections.items()}
        det["S1"]["Sitting 1"][0] = det["S1"]["Sitting 1"][0].astype(object)
        path = os.path.join(d, "objects.npz")
        np.savez(path, positions_2d=det)
        self.assert_refused(["--3d", d3, "--2d", path], os.path.join(d, "out.h5"), path, "S1 'Sitting 1'",
                            "camera 1 (54138969)", "object")
        # and in the 3D, where the position is named the same way
        world = {s: {a: v.copy() for a, v in acts.items()} for s, acts in self.world.items()}
        world["S11"]["Eating 2"][4, 7, 2] = np.nan
        path = os.path.join(d, "nan3d.npz")
        np.savez(path, positions_3d=world)
        self.assert_refused(["--3d", path], os.path.join(d, "out.h5"), path, "S11 'Eating 2'", "NaN or Inf",
                            "frame 4, joint 7")

    def test_calibrations_lacking_a_camera(self):
        # Human3.6M has 4 cameras per subject: a calibration file without one
        # of them must not give a file with 3 views of that subject.
        d = self.error_dir("three_calibrations")
        with open(CAMERAS) as fh:
            doc = yaml.safe_load(fh)
        doc["cameras"] = [c for c in doc["cameras"] if (c["subject"], c["index"]) != (9, 3)]
        path = os.path.join(d, "cams.yaml")
        with open(path, "w") as fh:
            yaml.safe_dump(doc, fh)
        d3 = os.path.join(self.dir, "data_3d_h36m.npz")
        for extra in ([], ["--2d", os.path.join(self.dir, "det.npz")]):
            self.assert_refused(["--3d", d3, "--cameras", path, *extra], os.path.join(d, "out.h5"),
                                path, "S9", "camera 3", "58860488")
        # Subjects that are not converted need no calibration.
        out = os.path.join(d, "s1.h5")
        r = convert("--3d", d3, "--cameras", path, "--subjects", "1,11", "--out", out)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(read(out)["cams"], sorted(f"S{s}/{i}" for s in (1, 11) for i in range(1, 5)))
        # A camera index Human3.6M does not have is refused too.
        with open(CAMERAS) as fh:
            doc = yaml.safe_load(fh)
        doc["cameras"].append(dict(doc["cameras"][0], subject=9, index=5))
        with open(path, "w") as fh:
            yaml.safe_dump(doc, fh)
        self.assert_refused(["--3d", d3, "--cameras", path], os.path.join(d, "out.h5"), path, "S9", "camera 5",
                            "1..4")

    def test_calibrations_from_cameras_h5_in_wild_layouts(self):
        # A Martinez-style cameras.h5 as other mirrors write it: column, row or
        # flat vectors; Name as uint8 (8,1) (MATLAB), uint16, a fixed or
        # variable string, or absent. Each gives the file the YAML gives.
        d = self.error_dir("cameras_h5")
        cams = cameras()
        layouts = {
            "columns": (lambda v: v.reshape(-1, 1), lambda n: np.frombuffer(n.encode(), np.uint8)),
            "matlab": (lambda v: v.reshape(1, -1), lambda n: np.frombuffer(n.encode(), np.uint8).reshape(-1, 1)),
            "flat16": (lambda v: v, lambda n: np.array([ord(ch) for ch in n + " "], np.uint16).reshape(-1, 1)),
            "fixed": (lambda v: v.reshape(-1, 1), lambda n: np.bytes_(n)),
            "vlen": (lambda v: v.reshape(-1, 1), lambda n: np.array([n], dtype=h5py.string_dtype("utf-8"))),
            "noname": (lambda v: v.reshape(-1, 1), None),
        }
        d3 = os.path.join(self.dir, "data_3d_h36m.npz")
        reference = os.path.join(d, "yaml.h5")
        r = convert("--3d", d3, "--out", reference)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        ref = read(reference)
        for layout, (vector, name) in layouts.items():
            path = os.path.join(d, f"cameras_{layout}.h5")
            with h5py.File(path, "w") as f:
                for (s, i), c in cams.items():
                    g = f.create_group(f"subject{s}/camera{i}")
                    g["R"] = np.array(c["R"], dtype=np.float64).reshape(3, 3).T  # stored transposed
                    for key in ("T", "f", "c", "k", "p"):
                        g[key] = vector(np.array(c[key], dtype=np.float64))
                    if name is not None:
                        g["Name"] = name(c["name"])
            out = os.path.join(d, f"{layout}.h5")
            r = convert("--3d", d3, "--cameras", path, "--out", out)
            self.assertEqual(r.returncode, 0, layout + ": " + r.stdout + r.stderr)
            got = read(out)
            for key in ("pose3d", "pose2d", "subject", "action", "camera", "frame"):
                np.testing.assert_array_equal(got[key], ref[key], err_msg=f"{layout}: {key}")
            self.assertEqual(got["cams"], ref["cams"], layout)
        # A cameras.h5 with a vector of the wrong size is refused, naming it.
        path = os.path.join(d, "cameras_bad.h5")
        with h5py.File(path, "w") as f:
            g = f.create_group("subject9/camera2")
            for key, n in (("R", 9), ("T", 3), ("f", 2), ("c", 2), ("k", 2), ("p", 2)):
                g[key] = np.ones(n)
        self.assert_refused(["--3d", d3, "--cameras", path], os.path.join(d, "out.h5"), path,
                            "/subject9/camera2/k", "expected 3 values, got 2")

    def test_writer_interrupted_mid_file_leaves_nothing(self):
        # The shared streaming writer (used by both converters): an error
        # after rows were written removes OUT.tmp-XXXX and never creates OUT.
        sys.path.insert(0, os.path.join(REPO, "scripts"))
        import hpe3d_posefile
        d = self.error_dir("writer")
        out = os.path.join(d, "out.h5")
        with self.assertRaises(RuntimeError):
            with hpe3d_posefile.PoseFileWriter(out, "test", []) as w:
                w.append(np.zeros((5, 17, 3)), np.zeros((5, 17, 2)), 1, 0, 0, 1, np.arange(5))
                self.assertEqual(len(os.listdir(d)), 1, "rows go to a temporary file")
                self.assertFalse(os.path.exists(out))
                raise RuntimeError("interrupted")
        self.assertEqual(os.listdir(d), [])

    def test_failure_leaves_an_existing_output_untouched(self):
        d = self.error_dir("existing")
        out = os.path.join(d, "out.h5")
        with open(out, "w") as fh:
            fh.write("previous")
        path = os.path.join(d, "wrong.npz")
        np.savez(path, positions=self.world)
        r = convert("--3d", path, "--out", out)
        self.assertEqual(r.returncode, 2)
        with open(out) as fh:
            self.assertEqual(fh.read(), "previous")
        self.assertEqual(sorted(os.listdir(d)), ["out.h5", "wrong.npz"])


if __name__ == "__main__":
    unittest.main()
