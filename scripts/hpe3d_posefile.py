"""Reusable pieces for the Python converters that write hpe3d pose files
(HDF5, format "hpe3d-poses", version 1; DESIGN.md 3.1, docs/data.md):

- Human3.6M action names and the parsing of sequence names, exactly as
  src/data/h36m_actions.cpp does it (whole names, aliases, trailing number);
- the camera calibrations of configs/cameras/h36m.yaml;
- world -> camera transform and the Human3.6M distortion model (DESIGN.md 3.2);
- PoseFileWriter: a streaming writer into chunked, resizable datasets that
  only appears under its final name when complete (OUT.tmp-XXXX + os.replace).

numpy, h5py and PyYAML (Debian: python3-numpy, python3-h5py, python3-yaml).
"""
import json
import os
import re
import sys
import tempfile

import h5py
import numpy as np

FORMAT = "hpe3d-poses"
VERSION = 1
CHUNK_ROWS = 4096

# The 17 joints kept from Human3.6M's 32 (Martinez et al. / VideoPose3D order).
H36M_KEEP_32 = [0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27]
JOINT_NAMES = ["Hip", "RHip", "RKnee", "RFoot", "LHip", "LKnee", "LFoot", "Spine", "Thorax",
               "Neck/Nose", "Head", "LShoulder", "LElbow", "LWrist", "RShoulder", "RElbow", "RWrist"]
UNITS = "pose3d: mm (camera frame); pose2d: px; cameras T: mm"

# h36m_action_names() of src/data/h36m_actions.cpp, in that order (/action indexes it).
ACTION_NAMES = ["Directions", "Discussion", "Eating", "Greeting", "Phoning",
                "Photo", "Posing", "Purchases", "Sitting", "SittingDown",
                "Smoking", "Waiting", "WalkDog", "Walking", "WalkTogether"]
ACTION_ALIASES = {"TakingPhoto": "Photo", "WalkingDog": "WalkDog"}

# Camera index 1..4 of the calibrations = these Human3.6M camera ids (VideoPose3D's order).
H36M_CAMERA_IDS = ["54138969", "55011271", "58860488", "60457274"]

DEFAULT_CAMERAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                               "configs", "cameras", "h36m.yaml")


class ConversionError(Exception):
    """A one-line, user-facing error (the converters print it and exit 2)."""


def parse_sequence_name(name):
    """(canonical action, subaction) for a Human3.6M sequence name, or None.

    As parse_h36m_sequence_name() in C++: a trailing run of ASCII digits after
    the last space or underscore is the subaction ("Directions 1" -> 1,
    "Eating_2" -> 2), 0 when there is none; then the aliases; then the base
    must be one of the 15 names exactly (so "Sitting" never matches
    "SittingDown", "Walking" never "WalkDog"/"WalkTogether", "_ALL" is None).
    """
    base, subaction = name, 0
    sep = max(base.rfind(" "), base.rfind("_"))
    if sep >= 0 and sep + 1 < len(base) and re.fullmatch(r"[0-9]+", base[sep + 1:]):
        subaction = int(base[sep + 1:])
        base = base[:sep]
    base = ACTION_ALIASES.get(base, base)
    if base not in ACTION_NAMES:
        return None
    return base, subaction


def action_index(canonical):
    return ACTION_NAMES.index(canonical)


def sequence_order(names):
    """Sequence names in the order h36m-prepare martinez visits them (sorted
    file names "<name>.h5", byte order)."""
    return sorted(names, key=lambda n: (n + ".h5").encode("utf-8"))


def is_s11_directions(subject, name):
    """The sequence commonly dropped: S11 "Directions" (its video
    54138969 is broken; "Directions 1" is sound)."""
    return subject == 11 and parse_sequence_name(name) == ("Directions", 0)


def add_common_args(ap):
    """--out, --subjects, --stride, --cameras, --keep-s11-directions: the options every converter shares."""
    ap.add_argument("--out", required=True, help="output pose file (.h5)")
    ap.add_argument("--subjects", default=None, help="e.g. 1,5,6,7,8,9,11 (default: every subject of the input)")
    ap.add_argument("--stride", type=int, default=1, help="keep every N-th frame (default 1)")
    ap.add_argument("--cameras", default=os.path.normpath(DEFAULT_CAMERAS), help="calibrations YAML")
    ap.add_argument("--keep-s11-directions", action="store_true", help="do not drop S11 'Directions'")


def check_stride(stride):
    if stride < 1:
        raise ConversionError(f"--stride: must be >= 1, got {stride}")


def parse_subjects(text):
    """"1,5,S9" -> [1, 5, 9]."""
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"[Ss]?([0-9]+)", part)
        if not m:
            raise ConversionError(f"--subjects: '{part}' is not a subject number")
        out.append(int(m.group(1)))
    if not out:
        raise ConversionError("--subjects: no subject given")
    return out


# ----------------------------------------------------------------------------
# Cameras

# Frame sizes of the Human3.6M cameras (not stored in cameras.h5).
H36M_FRAME_SIZES = {"54138969": (1000, 1002), "55011271": (1000, 1000), "58860488": (1000, 1000),
                    "60457274": (1000, 1002)}


def h5_camera_name(node, position):
    """The Human3.6M id of a cameras.h5 camera group: its `Name` in any layout
    found in the wild (uint8/uint16 character codes of shape (8,), (8,1) or
    (1,8); a fixed or variable string, scalar or array), or, when absent or
    not a Human3.6M id, the id at the camera's position (1..4) in the list."""
    fallback = H36M_CAMERA_IDS[position - 1]
    if "Name" not in node:
        return fallback
    a = np.asarray(node["Name"][()])
    try:
        if a.dtype.kind in "iuf":
            name = "".join(chr(int(v)) for v in a.reshape(-1))
        else:
            parts = [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in a.reshape(-1)]
            # one string, or an array of one character per element
            name = "".join(parts) if all(len(p) <= 1 for p in parts) else parts[0]
    except (ValueError, TypeError, OverflowError) as e:
        name = f"unreadable: {e}"
    name = name.rstrip("\0 \t")
    if name in H36M_CAMERA_IDS:
        return name
    print(f"warning: {node.file.filename}: {node.name}/Name '{name}' is not a Human3.6M camera id; "
          f"camera{position} is {fallback} by its position", file=sys.stderr)
    return fallback


def load_cameras_h5(path):
    """{(subject, index): camera dict} from a Martinez-style cameras.h5
    (subject<S>/camera<M>/{R, T, f, c, k, p, Name}; R stored transposed).
    Vectors may be columns, rows or flat; Name as in h5_camera_name."""
    cams = {}
    sizes = {"R": 9, "T": 3, "f": 2, "c": 2, "k": 3, "p": 2}
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ConversionError(f"{path}: cannot read camera calibrations ({e})")
    with f:
        for sg in f:
            if not sg.startswith("subject") or not sg[7:].isdigit():
                continue
            for cg in f[sg]:
                if not cg.startswith("camera") or not cg[6:].isdigit():
                    continue
                g, where = f[sg][cg], f"{path}: /{sg}/{cg}"
                index = int(cg[6:])
                if not 1 <= index <= len(H36M_CAMERA_IDS):
                    raise ConversionError(f"{where}: the index must be 1..{len(H36M_CAMERA_IDS)}")
                cam = {}
                for key, n in sizes.items():
                    if key not in g:
                        raise ConversionError(f"{where}/{key}: missing")
                    v = np.asarray(g[key][()], dtype=np.float64).reshape(-1)
                    if v.size != n:
                        raise ConversionError(f"{where}/{key}: expected {n} values, got {v.size}")
                    cam[key] = v
                cam["R"] = cam["R"].reshape(3, 3).T  # stored transposed
                cam["subject"], cam["index"] = int(sg[7:]), index
                cam["name"] = h5_camera_name(g, index)
                cam["width"], cam["height"] = H36M_FRAME_SIZES[cam["name"]]
                cams[(cam["subject"], index)] = cam
    if not cams:
        raise ConversionError(f"{path}: no subject<S>/camera<M> groups (expected a Martinez-style cameras.h5)")
    return cams


def load_cameras(path=DEFAULT_CAMERAS):
    """{(subject, index): camera dict} from a cameras YAML (configs/cameras/h36m.yaml)
    or a Martinez-style cameras.h5 (load_cameras_h5).
    A camera: R (3,3) world-to-camera, T (3,) centre in world mm, f, c, k, p
    (float64 arrays), name (str), width, height (int)."""
    if path.endswith((".h5", ".hdf5")):
        return load_cameras_h5(path)
    import yaml  # python3-yaml; imported here so that the rest works without it

    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except OSError as e:
        raise ConversionError(f"{path}: cannot read camera calibrations ({e.strerror})")
    except yaml.YAMLError as e:
        raise ConversionError(f"{path}: not valid YAML ({str(e).splitlines()[0]})")
    if not isinstance(doc, dict) or not isinstance(doc.get("cameras"), list):
        raise ConversionError(f"{path}: expected a top-level 'cameras' list")
    cams = {}
    sizes = {"R": 9, "T": 3, "f": 2, "c": 2, "k": 3, "p": 2}
    for i, c in enumerate(doc["cameras"]):
        try:
            cam = {key: np.asarray(c[key], dtype=np.float64).reshape(-1) for key in sizes}
            for key, n in sizes.items():
                if cam[key].size != n:
                    raise ValueError(f"{key} needs {n} values")
            cam["R"] = cam["R"].reshape(3, 3)
            cam["subject"], cam["index"] = int(c["subject"]), int(c["index"])
            cam["name"] = str(c.get("name", cam["index"]))
            cam["width"], cam["height"] = int(c.get("width", 1000)), int(c.get("height", 1000))
        except (KeyError, TypeError, ValueError) as e:
            raise ConversionError(f"{path}: cameras[{i}]: {e}")
        cams[(cam["subject"], cam["index"])] = cam
    return cams


def subject_cameras(cameras, subject, source="cameras"):
    """The 4 cameras of one subject, index 1..4 (H36M_CAMERA_IDS); ConversionError
    if the subject has none, lacks one of the 4 or has another index."""
    mine = {k[1]: cameras[k] for k in cameras if k[0] == subject}
    if not mine:
        raise ConversionError(f"{source}: no calibration for subject S{subject}")
    for index, cam_id in enumerate(H36M_CAMERA_IDS, 1):
        if index not in mine:
            raise ConversionError(f"{source}: S{subject}: no calibration for camera {index} ({cam_id}); "
                                  "Human3.6M has 4 cameras per subject")
    for index in sorted(mine):
        if not 1 <= index <= len(H36M_CAMERA_IDS):
            raise ConversionError(f"{source}: S{subject}: camera {index} ({mine[index]['name']}): "
                                  f"the index must be 1..{len(H36M_CAMERA_IDS)} (Human3.6M's 4 cameras)")
    return [mine[index] for index in sorted(mine)]


def nonfinite(values):
    """None if `values` (T, joints, ...) holds only finite numbers, else what is
    wrong as a noun phrase: "NaN or Inf values (nan at frame 3, joint 5)" (the
    first one) or "values of type object, not numbers"."""
    a = np.asarray(values)
    if a.dtype.kind not in "fiu":
        return f"values of type {a.dtype}, not numbers"
    if a.dtype.kind != "f" or a.size == 0:
        return None
    bad = ~np.isfinite(a)
    if not bad.any():
        return None
    at = np.unravel_index(int(np.argmax(bad)), a.shape)
    where = f"frame {at[0]}, joint {at[1]}" if a.ndim >= 2 else f"index {at[0]}"
    return f"NaN or Inf values ({a[at]} at {where})"


def world_to_camera(x_world, cam):
    """X_cam = R (X_world - T), row vectors [..., 3], mm."""
    return (np.asarray(x_world, dtype=np.float64) - cam["T"]) @ cam["R"].T


def project(x_cam, cam):
    """Human3.6M's camera model (DESIGN.md 3.2): x = X/Z, r2 = |x|^2,
    radial = 1 + k1 r2 + k2 r2^2 + k3 r2^3, tan = p1 y + p2 x,
    x' = x (radial + tan) + (p2, p1) r2, pixel = f * x' + c."""
    xy = x_cam[..., :2] / x_cam[..., 2:3]
    r2 = (xy * xy).sum(-1, keepdims=True)
    k, p = cam["k"], cam["p"]
    radial = 1 + k[0] * r2 + k[1] * r2 ** 2 + k[2] * r2 ** 3
    tan = p[0] * xy[..., 1:2] + p[1] * xy[..., 0:1]
    xd = xy * (radial + tan) + np.array([p[1], p[0]]) * r2
    return xd * cam["f"] + cam["c"]


# ----------------------------------------------------------------------------
# Writer

class PoseFileWriter:
    """Streams rows into a new hpe3d pose file.

    with PoseFileWriter(out, source, cameras) as w:   # cameras: list of camera dicts
        w.append_sequence(...)  # or w.append(...)
        w.finish()              # the file appears under `out` only now

    Leaving the block without finish() (an error, Ctrl-C) removes the
    temporary file OUT.tmp-XXXX; an existing `out` is left untouched.
    `detections` names extra (N, 17, 2) float32 datasets /pose2d_det/<name>,
    rows aligned with /pose2d.
    """

    LABELS = ("subject", "action", "subaction", "camera", "frame")

    def __init__(self, path, source, cameras, action_names=ACTION_NAMES, detections=(),
                 detection_attrs=None):
        self.path = path
        self.source = source
        self.cameras = list(cameras)
        self.action_names = list(action_names)
        self.detections = list(detections)
        self.rows = 0
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise ConversionError(f"{path}: output folder {parent} does not exist")
        fd, self.tmp_path = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp-", dir=parent)
        os.close(fd)
        try:
            self.file = h5py.File(self.tmp_path, "w")
            self._create("pose3d", np.float32, (17, 3))
            self._create("pose2d", np.float32, (17, 2))
            for name in self.LABELS:
                self._create(name, np.int32, ())
            for name in self.detections:
                d = self._create("pose2d_det/" + name, np.float32, (17, 2))
                for key, value in (detection_attrs or {}).get(name, {}).items():
                    d.attrs[key] = value
        except BaseException:
            self.abort()
            raise

    def _create(self, name, dtype, inner):
        return self.file.create_dataset(name, shape=(0,) + inner, maxshape=(None,) + inner,
                                        dtype=dtype, chunks=(CHUNK_ROWS,) + inner)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.abort()
        return False

    def _extend(self, name, values):
        d = self.file[name]
        n = values.shape[0]
        d.resize(d.shape[0] + n, axis=0)
        d[d.shape[0] - n:] = values

    def append(self, pose3d, pose2d, subject, action, subaction, camera, frame, detections=None):
        """Rows: pose3d (n,17,3), pose2d (n,17,2), labels scalar or (n,),
        detections {name: (n,17,2)} for every name given at construction."""
        n = pose3d.shape[0]
        if pose3d.shape != (n, 17, 3) or pose2d.shape != (n, 17, 2):
            raise ValueError(f"append: pose3d {pose3d.shape} / pose2d {pose2d.shape}")
        detections = detections or {}
        if sorted(detections) != sorted(self.detections):
            raise ValueError(f"append: detections {sorted(detections)}, expected {sorted(self.detections)}")
        if n == 0:
            return
        self._extend("pose3d", np.asarray(pose3d, dtype=np.float32))
        self._extend("pose2d", np.asarray(pose2d, dtype=np.float32))
        for name, value in zip(self.LABELS, (subject, action, subaction, camera, frame)):
            self._extend(name, np.broadcast_to(np.asarray(value, dtype=np.int32), (n,)))
        for name, value in detections.items():
            if value.shape != (n, 17, 2):
                raise ValueError(f"append: detections {name} {value.shape}, expected {(n, 17, 2)}")
            self._extend("pose2d_det/" + name, np.asarray(value, dtype=np.float32))
        self.rows += n

    def append_sequence(self, subject, action, subaction, world17, frames, cameras, detections=None):
        """One sequence through each of `cameras` (camera dicts): world17
        (T,17,3) world mm, frames (T,) source frame numbers, detections
        {name: [per camera (T,17,2)]}. Rows: camera by camera, frame by frame;
        one resize per dataset for the whole sequence. Returns the rows written."""
        world17 = np.asarray(world17, dtype=np.float64)
        t = world17.shape[0]
        cam3d = np.concatenate([world_to_camera(world17, c) for c in cameras])
        cam2d = np.concatenate([project(x, c) for x, c in zip(np.split(cam3d, len(cameras)), cameras)])
        camera = np.repeat(np.array([c["index"] for c in cameras], dtype=np.int32), t)
        frame = np.tile(np.asarray(frames, dtype=np.int32), len(cameras))
        det = {name: np.concatenate([np.asarray(a, dtype=np.float32) for a in per_cam])
               for name, per_cam in (detections or {}).items()}
        self.append(cam3d, cam2d, subject, action, subaction, camera, frame, det)
        return t * len(cameras)

    def finish(self):
        f = self.file
        f.create_dataset("action_names", data=np.array(self.action_names, dtype=object),
                         dtype=h5py.string_dtype("utf-8"))
        for c in self.cameras:
            g = f.create_group(f"cameras/S{c['subject']}/{c['index']}")
            for key in ("R", "T", "f", "c", "k", "p"):
                g.create_dataset(key, data=np.asarray(c[key], dtype=np.float64))
            g.attrs["name"] = str(c["name"])
            g.attrs["width"] = np.int64(c["width"])
            g.attrs["height"] = np.int64(c["height"])
        f.attrs["format"] = FORMAT
        f.attrs["version"] = np.int64(VERSION)
        f.attrs["source"] = self.source
        f.attrs["joint_names"] = ",".join(JOINT_NAMES)
        f.attrs["units"] = UNITS
        if self.detections:
            f.attrs["pose2d_det"] = ",".join(self.detections)
        f.close()
        self.file = None
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp_path, 0o666 & ~umask)  # mkstemp made it 0600
        os.replace(self.tmp_path, self.path)
        self.tmp_path = None

    def abort(self):
        if getattr(self, "file", None) is not None:
            try:
                self.file.close()
            except Exception:
                pass
            self.file = None
        if getattr(self, "tmp_path", None):
            try:
                os.remove(self.tmp_path)
            except OSError:
                pass
            self.tmp_path = None


def run_main(main):
    """Calls main(); a ConversionError becomes one line on stderr and exit 2."""
    try:
        sys.exit(main())
    except ConversionError as e:
        print(str(e), file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


def metadata_json(value):
    """A JSON string for an attribute (numpy arrays become lists)."""
    def default(o):
        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, np.generic):
            return o.item()
        return str(o)
    return json.dumps(value, default=default)
