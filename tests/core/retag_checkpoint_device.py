"""Rewrites an hpe3d checkpoint so that every tensor in it claims to live on
DEVICE (e.g. cuda:0), as the files of a CUDA run do: lets a machine without a
GPU test that such files open there.

usage: retag_checkpoint_device.py IN.pt OUT.pt DEVICE

A checkpoint is a 24-byte header (b"HPE3DCK1", CRC-32, 0, length) and a
LibTorch zip archive; each tensor's storage is pickled in data.pkl as
('storage', <type>, <key>, <location>, <numel>) with the location a
BINUNICODE string ('cpu'), memoised after its first use.
"""
import io
import struct
import sys
import zipfile
import zlib

src, dst, device = sys.argv[1:4]
raw = open(src, "rb").read()
if raw[:8] != b"HPE3DCK1":
    sys.exit(f"{src}: not a checksummed hpe3d checkpoint")
zin = zipfile.ZipFile(io.BytesIO(raw[24:]))
out = io.BytesIO()
retagged = 0
with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
    for info in zin.infolist():
        data = zin.read(info)
        if info.filename.endswith("/data.pkl"):
            old = b"X" + struct.pack("<I", 3) + b"cpu"
            retagged += data.count(old)
            data = data.replace(old, b"X" + struct.pack("<I", len(device)) + device.encode())
        zout.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), data)
if retagged == 0:
    sys.exit(f"{src}: no storage location 'cpu' found in data.pkl")
body = out.getvalue()
header = b"HPE3DCK1" + struct.pack("<II", zlib.crc32(body) & 0xFFFFFFFF, 0) + struct.pack("<Q", len(body))
open(dst, "wb").write(header + body)
print(f"{dst}: {retagged} storage location(s) now {device}")
