#!/usr/bin/env bash
# Compiles every library and tool translation unit against LibTorch 2.x
# headers (Debian trixie's libtorch-dev 2.6) with -fsyntax-only and
# deprecations as errors, so that the code GPU users build against a 2.x
# LibTorch never regresses. Nothing is installed: the packages are fetched
# with apt through a private sources list and state directory (apt-get
# download) and unpacked with dpkg -x into a cache folder. Results are cached
# per translation unit (its command and the contents of every file it read).
#
# usage: scripts/check_libtorch2.sh [BUILD_DIR]     (BUILD_DIR: a configured build, default build)
# env:   HPE3D_LIBTORCH2_CACHE  cache folder (default ~/.cache/hpe3d/libtorch2)
#        HPE3D_LIBTORCH2_SUITE  Debian suite (default trixie)
#        HPE3D_DEBIAN_MIRROR    (default http://deb.debian.org/debian)
#        HPE3D_LIBTORCH2_ONLY   a regex: check only the files whose path matches (a subset)
#        JOBS                   parallel compilers (default: cores)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cache=${HPE3D_LIBTORCH2_CACHE:-$HOME/.cache/hpe3d/libtorch2}
suite=${HPE3D_LIBTORCH2_SUITE:-trixie}
mirror=${HPE3D_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=(libtorch-dev libgloo-dev)  # the torch headers, and the gloo headers c10d includes
jobs=${JOBS:-$(nproc)}
root=$cache/$suite/root

[[ -f $build/compile_commands.json ]] || {
  echo "check_libtorch2: $build/compile_commands.json missing: configure first (cmake -S . -B $build -G Ninja)" >&2
  exit 2
}

if [[ ! -f $cache/$suite/unpacked ]]; then
  echo "[libtorch2] fetching ${packages[*]} from $mirror $suite (apt, private state in $cache/$suite/apt)"
  apt_dir=$cache/$suite/apt
  rm -rf "$apt_dir" "$root"
  mkdir -p "$apt_dir"/{state/lists/partial,cache/archives/partial,debs} "$root"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$apt_dir/sources.list"
  touch "$apt_dir/state/status"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State=$apt_dir/state" -o "Dir::State::status=$apt_dir/state/status"
            -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" -qq update || {
    echo "check_libtorch2: apt cannot reach $mirror $suite (blocked: no Debian mirror from this machine)" >&2
    exit 3
  }
  (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" -qq download "${packages[@]}")
  for deb in "$apt_dir"/debs/*.deb; do dpkg -x "$deb" "$root"; done
  touch "$cache/$suite/unpacked"
fi
v=$root/usr/include/torch/csrc/api/include/torch/version.h
version=$(awk '/define TORCH_VERSION_(MAJOR|MINOR|PATCH)/ {printf "%s%s", sep, $3; sep="."}' "$v")
echo "[libtorch2] LibTorch $version headers in $root"

exec python3 - "$build" "$root" "$cache/$suite/results" "$jobs" "${HPE3D_LIBTORCH2_ONLY:-}" <<'PY'
import concurrent.futures, hashlib, json, os, re, shlex, subprocess, sys, time

build, root, results, jobs, only = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
os.makedirs(results, exist_ok=True)
src = os.getcwd()
inc = [f"-isystem{root}/usr/include", f"-isystem{root}/usr/include/torch/csrc/api/include"]
extra = ["-fsyntax-only", "-Werror=deprecated-declarations", "-Wno-unused-parameter"]

def command(entry):
    args = shlex.split(entry["command"]) if "command" in entry else entry["arguments"]
    out, skip = [], False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        if a in ("-o", "-include", "-MF", "-MT", "-MQ"):  # the build's outputs and its 1.13 precompiled header
            skip = True
            continue
        if a in ("-c", "-Winvalid-pch", "-MD", "-MMD") or a == entry["file"]:
            continue
        out.append(a)
    # The 2.6 headers shadow the system's 1.13 ones (/usr/include holds both ATen and the rest).
    return [out[0]] + inc + out[1:] + extra

entries = [e for e in json.load(open(os.path.join(build, "compile_commands.json")))
           if os.path.relpath(e["file"], src).split(os.sep)[0] in ("src", "tools")]
if only:
    entries = [e for e in entries if re.search(only, os.path.relpath(e["file"], src))]

def digest(cmd, deps):
    h = hashlib.sha256(" ".join(cmd).encode())
    for d in deps:
        try:
            h.update(d.encode() + open(d, "rb").read())
        except OSError:
            h.update(b"missing " + d.encode())
    return h.hexdigest()

def check(entry):
    rel = os.path.relpath(entry["file"], src)
    cmd = command(entry)
    stamp = os.path.join(results, rel.replace(os.sep, "__") + ".json")
    if os.path.exists(stamp):
        saved = json.load(open(stamp))
        if saved["digest"] == digest(cmd, saved["deps"]):
            return rel, True, "", True
    dep_file = stamp + ".d"
    t = time.time()
    p = subprocess.run(cmd + [entry["file"], "-MD", "-MF", dep_file], cwd=entry["directory"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return rel, False, p.stderr, False
    deps = open(dep_file).read().replace("\\\n", " ").split(":", 1)[1].split()
    os.remove(dep_file)
    json.dump({"digest": digest(cmd, deps), "deps": deps, "seconds": round(time.time() - t, 1)}, open(stamp, "w"))
    return rel, True, "", False

start = time.time()
# <torch/torch.h> precompiled once (with the flags of the first library unit):
# every unit includes it first, as the build's own precompiled header does.
pch_dir = os.path.join(results, "pch")
os.makedirs(pch_dir, exist_ok=True)
pch = os.path.join(pch_dir, "torch_all.h")
with open(pch + ".tmp", "w") as f:
    f.write("#include <torch/torch.h>\n#include <map>\n#include <string>\n#include <vector>\n")
os.replace(pch + ".tmp", pch) if not os.path.exists(pch) or open(pch).read() != open(pch + ".tmp").read() else os.remove(pch + ".tmp")
first = command(entries[0])
pch_cmd = [a for a in first if a not in ("-fsyntax-only",)] + ["-x", "c++-header", pch, "-o", pch + ".gch"]
pch_key = hashlib.sha256(" ".join(pch_cmd).encode() + open(pch, "rb").read() +
                         open(f"{root}/usr/include/torch/csrc/api/include/torch/version.h", "rb").read()).hexdigest()
if not os.path.exists(pch + ".gch") or not os.path.exists(pch + ".key") or open(pch + ".key").read() != pch_key:
    t = time.time()
    subprocess.run(pch_cmd, cwd=entries[0]["directory"], check=True)
    open(pch + ".key", "w").write(pch_key)
    print(f"[libtorch2] precompiled <torch/torch.h> in {time.time() - t:.0f} s")
extra += ["-include", pch]

failed, cached = [], 0
with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
    for rel, ok, err, hit in pool.map(check, entries):
        cached += hit
        if not ok:
            failed.append(rel)
            print(f"[libtorch2] FAIL {rel}\n{err}", file=sys.stderr)
print(f"[libtorch2] {len(entries) - len(failed)}/{len(entries)} translation units compile against LibTorch 2 "
      f"with deprecations as errors ({cached} cached, {time.time() - start:.0f} s)")
sys.exit(1 if failed else 0)
PY
