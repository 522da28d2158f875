"""A minimal pure-numpy reader for NASA's Common Data Format (CDF) version 3,
enough for the files Human3.6M ships (S<k>/MyPoseFeatures/D3_Positions/*.cdf,
variable "Pose").

Supported: CDF 3.x single-file CDFs (magic 0xCDF30001); uncompressed files
and whole-file compressed ones (CCR + CPR, GZIP); zVariables and rVariables;
per-variable compression (CVVR records, GZIP); VXR trees (nested VXRs and
VXR chains); row- and column-major files; little- and big-endian IEEE
encodings; data types CDF_FLOAT/REAL4, CDF_DOUBLE/REAL8, the integer types,
EPOCH (as float64), TIME_TT2000 (as int64) and CHAR/UCHAR.
Not supported (a CDFError says so): CDF 2.x files, multi-file CDFs, VAX
floating-point encodings, RLE/Huffman compression, sparse or missing
records, EPOCH16. Attributes are not read. Checksums are not verified.

    with open(path, "rb") as f: cdf = CDF(f.read(), path)
    cdf.variables()   -> ["Pose", ...]
    cdf.read("Pose")  -> numpy array (records, *varying dims[, elements])

Layout reference: "CDF Internal Format Description" (CDF 3.x): every internal
record starts with RecordSize (int64) and RecordType (int32); all fields of
internal records are big-endian; variable values use the file's encoding.
"""
import struct
import zlib

import numpy as np

MAGIC_V3 = 0xCDF30001
UNCOMPRESSED = 0x0000FFFF
COMPRESSED = 0xCCCC0001

CDR, GDR, RVDR, VXR, VVR, ZVDR, CCR, CPR, CVVR = 1, 2, 3, 6, 7, 8, 10, 11, 13
GZIP = 5
COMPRESSION_NAMES = {0: "none", 1: "RLE", 2: "Huffman", 3: "adaptive Huffman", 5: "GZIP"}

# data type -> numpy dtype character code and size
DATA_TYPES = {1: "i1", 2: "i2", 4: "i4", 8: "i8", 11: "u1", 12: "u2", 14: "u4",
              21: "f4", 22: "f8", 31: "f8", 33: "i8", 41: "i1", 44: "f4", 45: "f8",
              51: "S1", 52: "S1"}
DATA_TYPE_NAMES = {32: "CDF_EPOCH16"}
LITTLE_ENDIAN = {4, 6, 13, 16, 17, 19}   # DECSTATION, IBMPC, ALPHAOSF1, ALPHAVMSi, ARM_LITTLE, IA64VMSi
BIG_ENDIAN = {1, 2, 5, 7, 9, 11, 12, 18}  # NETWORK, SUN, SGi, IBMRS, PPC, HP, NeXT, ARM_BIG
VAX_FLOAT = {3, 14, 15}                  # VAX, ALPHAVMSd, ALPHAVMSg


class CDFError(Exception):
    pass


# What struct and numpy raise on a corrupt file (sizes, offsets, dimensions);
# read_cdf() and CDF.read() turn them into a CDFError.
CORRUPT = (struct.error, ValueError, OverflowError, MemoryError)


def _inflate(data, what):
    try:
        d = zlib.decompressobj(47)  # gzip or zlib header
        out = d.decompress(data) + d.flush()
    except zlib.error as e:
        raise CDFError(f"{what}: GZIP data is corrupt ({e})")
    if not d.eof:
        raise CDFError(f"{what}: GZIP data is truncated")
    return out


class CDF:
    def __init__(self, data, name="CDF"):
        self.name = name
        if len(data) < 8:
            raise CDFError("not a CDF file (too short)")
        magic, kind = struct.unpack(">II", data[:8])
        if magic in (0xCDF26002, 0x0000FFFF, 0xCDF25002):
            raise CDFError("CDF version 2 files are not supported (only CDF 3.x)")
        if magic != MAGIC_V3:
            raise CDFError(f"not a CDF file (magic number 0x{magic:08X})")
        if kind == COMPRESSED:
            data = self._uncompress_file(data)
        elif kind != UNCOMPRESSED:
            raise CDFError(f"unknown CDF file kind 0x{kind:08X}")
        self.data = data
        size, rtype = self._header(8)
        if rtype != CDR:
            raise CDFError(f"expected a CDR at offset 8, found record type {rtype}")
        gdr_offset, self.version, self.release, encoding, flags = struct.unpack(">qiiii", self._bytes(20, 24))
        if not flags & 2:
            raise CDFError("multi-file CDFs are not supported")
        self.row_major = bool(flags & 1)
        if encoding in LITTLE_ENDIAN:
            self.byteorder = "<"
        elif encoding in BIG_ENDIAN:
            self.byteorder = ">"
        elif encoding in VAX_FLOAT:
            raise CDFError(f"VAX floating-point encoding {encoding} is not supported")
        else:
            raise CDFError(f"unknown data encoding {encoding}")
        size, rtype = self._header(gdr_offset)
        if rtype != GDR:
            raise CDFError(f"expected a GDR at offset {gdr_offset}, found record type {rtype}")
        rvdr, zvdr, _adr, _eof, nr, _na, _rmax, rdims, nz = struct.unpack(
            ">qqqqiiiii", self._bytes(gdr_offset + 12, 52))
        self.rdim_sizes = list(struct.unpack(f">{rdims}i", self._bytes(gdr_offset + 84, 4 * rdims)))
        self.vars = {}
        for head, count, kind_ in ((rvdr, nr, RVDR), (zvdr, nz, ZVDR)):
            offset, seen = head, 0
            while offset:
                if seen >= max(count, 0) + 1 or offset in (v["offset"] for v in self.vars.values()):
                    raise CDFError("variable descriptor chain loops or is longer than declared")
                v = self._vdr(offset, kind_)
                self.vars.setdefault(v["name"], v)
                offset = v["next"]
                seen += 1

    # --- low-level access

    def _bytes(self, offset, n):
        if offset < 0 or offset + n > len(self.data):
            raise CDFError(f"truncated file: needs bytes {offset}..{offset + n}, has {len(self.data)}")
        return self.data[offset:offset + n]

    def _header(self, offset):
        size, rtype = struct.unpack(">qi", self._bytes(offset, 12))
        if size < 12 or offset + size > len(self.data):
            raise CDFError(f"truncated file: record at offset {offset} (type {rtype}) of {size} bytes "
                           f"ends past the end ({len(self.data)} bytes)")
        return size, rtype

    def _cpr(self, offset, what):
        size, rtype = self._header(offset)
        if rtype != CPR:
            raise CDFError(f"{what}: expected a CPR at offset {offset}, found record type {rtype}")
        ctype, = struct.unpack(">i", self._bytes(offset + 12, 4))
        if ctype != GZIP:
            raise CDFError(f"{what}: {COMPRESSION_NAMES.get(ctype, str(ctype))} compression is not supported "
                           "(only GZIP)")
        return ctype

    def _uncompress_file(self, data):
        self.data = data
        size, rtype = self._header(8)
        if rtype != CCR:
            raise CDFError(f"compressed CDF without a CCR (record type {rtype})")
        cpr_offset, usize = struct.unpack(">qq", self._bytes(20, 16))
        self._cpr(cpr_offset, "file")
        body = _inflate(self._bytes(40, size - 32), "compressed file")
        if len(body) != usize:
            raise CDFError(f"compressed file: {len(body)} bytes uncompressed, the CCR says {usize}")
        return struct.pack(">II", MAGIC_V3, UNCOMPRESSED) + body

    def _vdr(self, o, kind):
        size, rtype = self._header(o)
        if rtype != kind:
            raise CDFError(f"expected a {'zVDR' if kind == ZVDR else 'rVDR'} at offset {o}, found type {rtype}")
        (nxt, dtype, maxrec, vxr_head, _vxr_tail, flags, srecords, _b, _c, _f, nelems, num, cpr_spr,
         _blocking) = struct.unpack(">qiiqqiiiiiiiqi", self._bytes(o + 12, 72))
        name = self._bytes(o + 84, 256).split(b"\0", 1)[0].decode("ascii", "replace")
        p = o + 340
        if kind == ZVDR:
            ndims, = struct.unpack(">i", self._bytes(p, 4))
            dims = list(struct.unpack(f">{ndims}i", self._bytes(p + 4, 4 * ndims)))
            p += 4 + 4 * ndims
        else:
            dims = list(self.rdim_sizes)
        varys = list(struct.unpack(f">{len(dims)}i", self._bytes(p, 4 * len(dims))))
        return {"offset": o, "name": name, "next": nxt, "type": dtype, "maxrec": maxrec, "vxr": vxr_head,
                "record_varies": bool(flags & 1), "compressed": bool(flags & 4), "cpr": cpr_spr,
                "sparse": srecords, "elements": nelems, "dims": dims, "varys": [v != 0 for v in varys],
                "z": kind == ZVDR}

    def _entries(self, offset, out, depth=0):
        """(first, last, offset of a VVR/CVVR) of a VXR chain, subtrees expanded."""
        while offset:
            if depth > 64 or len(out) > 10_000_000:
                raise CDFError("VXR tree too deep or looping")
            size, rtype = self._header(offset)
            if rtype != VXR:
                raise CDFError(f"expected a VXR at offset {offset}, found record type {rtype}")
            nxt, n, used = struct.unpack(">qii", self._bytes(offset + 12, 16))
            if used > n or n < 0:
                raise CDFError(f"VXR at offset {offset}: {used} of {n} entries used")
            first = struct.unpack(f">{n}i", self._bytes(offset + 28, 4 * n))
            last = struct.unpack(f">{n}i", self._bytes(offset + 28 + 4 * n, 4 * n))
            where = struct.unpack(f">{n}q", self._bytes(offset + 28 + 8 * n, 8 * n))
            for i in range(used):
                _, t = self._header(where[i])
                if t == VXR:
                    self._entries(where[i], out, depth + 1)
                else:
                    out.append((first[i], last[i], where[i]))
            offset = nxt
            depth += 1
        return out

    # --- public

    def variables(self):
        return list(self.vars)

    def info(self, name):
        return dict(self.vars[name])

    def read(self, name):
        try:
            return self._read(name)
        except CORRUPT as e:
            raise CDFError(f"variable '{name}': corrupt CDF file ({type(e).__name__}: {e})")

    def _read(self, name):
        if name not in self.vars:
            raise CDFError(f"no variable '{name}'")
        v = self.vars[name]
        what = f"variable '{name}'"
        if v["type"] not in DATA_TYPES:
            raise CDFError(f"{what}: data type {DATA_TYPE_NAMES.get(v['type'], v['type'])} is not supported")
        code = DATA_TYPES[v["type"]]
        dtype = np.dtype(code if code == "S1" else self.byteorder + code)
        dims = [d for d, vary in zip(v["dims"], v["varys"]) if vary]
        elements = max(v["elements"], 1)
        per_record = int(np.prod(dims, dtype=np.int64)) * elements
        record_bytes = per_record * dtype.itemsize
        nrec = v["maxrec"] + 1 if v["record_varies"] else min(v["maxrec"] + 1, 1)
        if v["compressed"]:
            self._cpr(v["cpr"], what)
        out = np.empty(nrec * per_record, dtype=dtype)
        filled = np.zeros(nrec, dtype=bool)
        for first, last, offset in self._entries(v["vxr"], []):
            if first < 0 or last < first:
                raise CDFError(f"{what}: bad VXR entry records {first}..{last}")
            last = min(last, nrec - 1)
            if last < first:
                continue
            n = (last - first + 1) * record_bytes
            size, rtype = self._header(offset)
            if rtype == VVR:
                raw = self._bytes(offset + 12, n)
            elif rtype == CVVR:
                csize, = struct.unpack(">q", self._bytes(offset + 16, 8))
                raw = _inflate(self._bytes(offset + 24, csize), f"{what}: CVVR at offset {offset}")
                if len(raw) < n:
                    raise CDFError(f"{what}: CVVR at offset {offset} holds {len(raw)} bytes, records "
                                   f"{first}..{last} need {n}")
                raw = raw[:n]
            else:
                raise CDFError(f"{what}: expected a VVR or CVVR at offset {offset}, found record type {rtype}")
            out[first * per_record:(last + 1) * per_record] = np.frombuffer(raw, dtype=dtype)
            filled[first:last + 1] = True
        if not filled.all():
            missing = np.nonzero(~filled)[0]
            raise CDFError(f"{what}: records {missing[0]}..{missing[-1]} of 0..{nrec - 1} are missing "
                           "(sparse records are not supported)")
        shape = [nrec] + dims + ([elements] if elements > 1 and code != "S1" else [])
        if code == "S1":
            out = out.view(f"S{elements}") if elements > 1 else out
        if not self.row_major and len(dims) > 1:
            # Column-major: within a record the first dimension varies fastest.
            out = out.reshape([nrec] + dims[::-1] + shape[len(dims) + 1:])
            out = np.moveaxis(out, list(range(1, len(dims) + 1)), list(range(len(dims), 0, -1)))
            return np.ascontiguousarray(out).astype(dtype.newbyteorder("="), copy=False)
        return out.reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def read_cdf(path):
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise CDFError(f"cannot read ({e.strerror})")
    try:
        return CDF(data, path)
    except CORRUPT as e:
        raise CDFError(f"corrupt CDF file ({type(e).__name__}: {e})")
