#!/usr/bin/python3
"""Reliability, round two (issue 10), through digitpad-cli: output paths that are not what they
seem (a device, a FIFO, a directory, a symlink, a write-protected file, an empty name), stale
temporary files, the Theta pair, images (Exif orientation, cut files, white ink on transparency,
too small, too faint, WebP), a PyTorch state_dict and the README's recipe for it, --data given a
file, options the optimizer would ignore, and the README's and weights/README.md's words.

Every file is generated here; MNIST is not needed (train runs on a tiny generated data set).
Run with DIGITPAD_CLI=path/to/digitpad-cli and DIGITPAD_SOURCE_DIR=the repository; stdlib only,
/usr/bin/python3. TAP output, one line per case.
"""
import json
import math
import os
import re
import stat
import struct
import subprocess
import sys
import tempfile
import zlib

CLI = os.environ.get("DIGITPAD_CLI", "digitpad-cli")
SOURCE = os.environ.get("DIGITPAD_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(SOURCE, "weights", "digitpad-default.safetensors")
TMP = tempfile.mkdtemp(prefix="digitpad-reliability-")
CASES = []


def case(title):
    def register(fn):
        CASES.append((title, fn))
        return fn
    return register


class Result:
    def __init__(self, p):
        self.status, self.out, self.err = p.returncode, p.stdout, p.stderr

    def __str__(self):
        return "exit %s\nstdout: %r\nstderr: %r" % (self.status, self.out[-600:], self.err[-1200:])


def cli(*args):
    p = subprocess.run([CLI] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    return Result(p)


def path(*parts):
    p = os.path.join(TMP, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def write(name, data):
    p = path(name)
    with open(p, "wb") as f:
        f.write(data)
    return p


def fails(r, status, *fragments):
    """exit status, one line on stderr (plus the usage hint for status 2) holding each fragment"""
    assert r.status == status, "expected exit %d\n%s" % (status, r)
    lines = [l for l in r.err.splitlines() if l.strip() and not l.startswith("Try '")]
    assert len(lines) == 1, "expected one line on stderr\n%s" % r
    for f in fragments:
        assert re.search(f, lines[0], re.I), "the message lacks /%s/\n%s" % (f, r)


# --- files --------------------------------------------------------------------------------------
def png_chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png(width, height, pixels, channels=1, exif_orientation=None):
    """pixels: rows of bytes (gray, or RGBA with channels=4)"""
    color = {1: 0, 4: 6}[channels]
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    extra = b""
    if exif_orientation:  # a little-endian Exif TIFF with only Orientation
        tiff = b"II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHIHH", 0x0112, 3, 1,
                                                                   exif_orientation, 0)
        extra = png_chunk(b"eXIf", tiff + struct.pack("<I", 0))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8,
                                                                  color, 0, 0, 0))
            + extra + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def seven(side=112):
    """ink 0..1 of a thick 7: a bar and a diagonal"""
    segs = [(0.27, 0.25, 0.73, 0.25), (0.73, 0.25, 0.43, 0.82)]
    ink = []
    for y in range(side):
        row = []
        for x in range(side):
            u, v = (x + 0.5) / side, (y + 0.5) / side
            d = min(seg_dist(u, v, *s) for s in segs)
            row.append(max(0.0, min(1.0, (0.05 - d) * side / 1.5 + 0.5)))
        ink.append(row)
    return ink


def seg_dist(u, v, x0, y0, x1, y1):
    dx, dy = x1 - x0, y1 - y0
    t = max(0.0, min(1.0, ((u - x0) * dx + (v - y0) * dy) / (dx * dx + dy * dy)))
    return math.hypot(u - x0 - t * dx, v - y0 - t * dy)


def gray(ink, paper=235, pen=30):
    return [[int(paper - (paper - pen) * a + 0.5) for a in row] for row in ink]


def turned(rows, o):
    """the stored pixels that Exif orientation o shows as rows"""
    if o == 3:
        return [list(reversed(r)) for r in reversed(rows)]
    if o == 6:  # shown = stored turned clockwise, so stored = shown turned anticlockwise
        return [list(col) for col in reversed(list(zip(*rows)))]
    if o == 8:
        return [list(reversed(col)) for col in zip(*rows)]
    return rows


def safetensors(tensors, metadata=None):
    """tensors: name → (shape, flat list of floats)"""
    header, blobs, offset = {}, [], 0
    for name, (shape, values) in tensors.items():
        blob = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def sigmoid_model(hidden, seed):
    t = {}
    sizes = [784, hidden, 10]
    for l in range(2):
        n_out, n_in = sizes[l + 1], sizes[l]
        t["layers.%d.weight" % l] = ([n_out, n_in], [math.sin(seed + i * 0.37) * 0.05
                                                     for i in range(n_out * n_in)])
        t["layers.%d.bias" % l] = ([n_out], [0.01 * i for i in range(n_out)])
    return safetensors(t, {"format": "digitpad-mlp", "version": "1", "loss": "sigmoid-ce",
                           "activations": "sigmoid,sigmoid"})


def idx_data(directory, n=40):
    """a tiny MNIST-shaped data set (train and t10k): bars of ten widths"""
    os.makedirs(directory, exist_ok=True)
    images, labels = bytearray(), bytearray()
    for i in range(n):
        label = i % 10
        img = bytearray(784)
        for y in range(4, 24):
            for x in range(10, 11 + label):
                img[y * 28 + x] = 255
        images += img
        labels.append(label)
    for prefix in ("train", "t10k"):
        with open(os.path.join(directory, prefix + "-images-idx3-ubyte"), "wb") as f:
            f.write(struct.pack(">IIII", 0x803, n, 28, 28) + images)
        with open(os.path.join(directory, prefix + "-labels-idx1-ubyte"), "wb") as f:
            f.write(struct.pack(">II", 0x801, n) + labels)
    return directory


DATA = idx_data(path("data"))
THETA_MODEL = write("sigmoid-a.safetensors", sigmoid_model(6, 1))
THETA_MODEL_B = write("sigmoid-b.safetensors", sigmoid_model(6, 2))


def dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def train(out):
    return cli("train", "--preset", "tiny", "--epochs", 1, "--data", DATA, "--out", out)


# --- output paths (items 1, 2, 5, 6) ------------------------------------------------------------
def special_files():
    d = path("special")
    os.makedirs(d, exist_ok=True)
    made = {}
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    made["FIFO"] = fifo
    made["directory"] = path("special", "dir")
    os.makedirs(made["directory"])
    if os.geteuid() == 0:
        dev = os.path.join(d, "mynull")
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        made["character device"] = dev
    return made


@case("--out a FIFO, a character device or a directory: refused before training, left as it is")
def _():
    for kind, target in special_files().items():
        before = os.lstat(target)
        for r in (train(target), cli("import-theta", "t1", "t2", "--out", target)):
            fails(r, 1, re.escape(os.path.basename(target)), kind)
            assert "training:" not in r.err, "trained before refusing\n%s" % r
        after = os.lstat(target)
        assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode), kind


@case("--out a symlink: its target is replaced atomically, the link stays a link")
def _():
    link, target = path("links", "model-link"), path("links", "model-real.safetensors")
    os.symlink("model-real.safetensors", link)
    r = train(link)
    assert r.status == 0, r
    assert os.path.islink(link) and os.path.isfile(target), os.listdir(os.path.dirname(link))
    assert cli("predict", link, write("links/x.png", png(28, 28, gray(seven(28))))).status == 0


@case("--out write-protected (0444): refused before training, its bytes and mode kept")
def _():
    p = write("protected.safetensors", b"the user's model")
    os.chmod(p, 0o444)
    for r in (train(p), cli("import-theta", "t1", "t2", "--out", p)):
        fails(r, 1, "protected.safetensors", "write-protected")
        assert "training:" not in r.err, r
    assert open(p, "rb").read() == b"the user's model"
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o444


@case("a replaced model keeps its permissions (0600 stays 0600)")
def _():
    p = write("private.safetensors", b"old")
    os.chmod(p, 0o600)
    r = train(p)
    assert r.status == 0, r
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600, oct(os.stat(p).st_mode)


@case('--out "" (and export-theta to ""): refused at once, before any work')
def _():
    r = train("")
    fails(r, 1, "empty")
    assert "training:" not in r.err, r
    fails(cli("export-theta", THETA_MODEL, ""), 1, "empty")


@case("temporary files are .NAME.digitpad-tmp-PID; a save removes those of dead processes only")
def _():
    d = path("temps")
    os.makedirs(d, exist_ok=True)
    stale = os.path.join(d, ".m.safetensors.digitpad-tmp-%d" % dead_pid())
    alive = os.path.join(d, ".m.safetensors.digitpad-tmp-%d" % os.getpid())
    for p in (stale, alive):
        open(p, "wb").write(b"x" * 1000)
    r = train(os.path.join(d, "m.safetensors"))
    assert r.status == 0, r
    assert not os.path.exists(stale), "a dead process's temporary file was left: %s" % os.listdir(d)
    assert os.path.exists(alive), "a running process's temporary file was removed"


# --- the Theta pair (item 3) --------------------------------------------------------------------
@case("import-theta finishes an export killed between its two renames (never one file of each)")
def _():
    old, new = path("theta", "old"), path("theta", "new")
    assert cli("export-theta", THETA_MODEL, old).status == 0
    assert cli("export-theta", THETA_MODEL_B, new).status == 0
    # what a SIGKILL after the commit point leaves: the journal, Theta1.txt already new, the new
    # Theta2.txt still in its temporary file
    pid = dead_pid()
    tmp2 = ".Theta2.txt.digitpad-tmp-%d" % pid
    with open(os.path.join(old, ".Theta1.txt.digitpad-pair-%d" % pid), "w") as f:
        f.write(".Theta1.txt.digitpad-tmp-%d\tTheta1.txt\n%s\tTheta2.txt\nend\n" % (pid, tmp2))
    for src, dst in (("Theta1.txt", "Theta1.txt"), ("Theta2.txt", tmp2)):
        with open(os.path.join(new, src), "rb") as f, open(os.path.join(old, dst), "wb") as g:
            g.write(f.read())
    image = write("theta/seven.png", png(28, 28, gray(seven(28))))
    got = []
    for d, name in ((old, "got.safetensors"), (new, "want.safetensors")):
        r = cli("import-theta", os.path.join(d, "Theta1.txt"), os.path.join(d, "Theta2.txt"),
                "--out", path("theta", name))
        assert r.status == 0, r
        got.append(predict(image, path("theta", name))["probabilities"])
    assert got[0] == got[1], "the import mixed two exports: %s" % got
    assert sorted(os.listdir(old)) == ["Theta1.txt", "Theta2.txt"], os.listdir(old)


# --- images (items 7–11, 15) --------------------------------------------------------------------
def predict(image, model=MODEL):
    r = cli("predict", "--json", model, image)
    assert r.status == 0, r
    return json.loads(r.out)


@case("predict: a PNG stored turned, with the eXIf orientation that turns it back (3, 6, 8)")
def _():
    rows = gray(seven())
    upright = predict(write("orient/upright.png", png(112, 112, rows)))
    assert upright["digit"] == 7, upright
    for o in (3, 6, 8):
        got = predict(write("orient/o%d.png" % o, png(112, 112, turned(rows, o),
                                                      exif_orientation=o)))
        assert got["digit"] == 7, "orientation %d read as %s" % (o, got)
        assert max(abs(x - y) for x, y in zip(got["probabilities"], upright["probabilities"])) < 1e-6


@case("predict: a PNG cut at 30 %, 50 % or 90 % of its bytes is refused, exit 1")
def _():
    whole = png(112, 112, gray(seven()))
    for percent in (30, 50, 90):
        name = "cut/cut%d.png" % percent
        r = cli("predict", MODEL, write(name, whole[:len(whole) * percent // 100]))
        fails(r, 1, os.path.basename(name), "truncated or damaged image")
        assert r.out == "", r


@case("predict: white ink on a transparent background is read from the alpha channel")
def _():
    ink = seven()
    rows = [[v for a in row for v in (255, 255, 255, int(255 * a + 0.5))] for row in ink]
    got = predict(write("alpha/white-ink.png", png(112, 112, rows, channels=4)))
    assert got["digit"] == 7, got


@case("predict: a 3×3 image is too small to read; a faint pencil 7 is too faint")
def _():
    fails(cli("predict", MODEL, write("small/tiny.png", png(3, 3, [[255, 0, 255]] * 3))), 1,
          "tiny.png", "too small to read")
    faint = gray(seven(), paper=235, pen=215)
    fails(cli("predict", MODEL, write("small/faint.png", png(112, 112, faint))), 1, "faint.png",
          "too faint")


@case("predict: a WebP image is named as unsupported")
def _():
    webp = b"RIFF" + struct.pack("<I", 26) + b"WEBPVP8L" + struct.pack("<I", 13) + b"\x2f" + bytes(13)
    fails(cli("predict", MODEL, write("photo.webp", webp)), 1, "photo.webp", "WebP", "not supported")


@case("--data given a file: 'give the folder'")
def _():
    image_file = os.path.join(DATA, "t10k-images-idx3-ubyte")
    for r in (cli("train", "--data", image_file, "--out", path("x.safetensors")),
              cli("eval", MODEL, "--data", image_file)):
        fails(r, 1, "t10k-images-idx3-ubyte", "not a folder", "give the folder",
              re.escape(DATA))


# --- models from PyTorch (item 14) --------------------------------------------------------------
def state_dict(favour=3):
    """nn.Sequential(Linear(784, 4), ReLU(), Linear(4, 10)) whose output favours one digit"""
    return {
        "0.weight": [[0.001 * ((i + j) % 7) for j in range(784)] for i in range(4)],
        "0.bias": [0.1] * 4,
        "2.weight": [[0.0] * 4 for _ in range(10)],
        "2.bias": [5.0 if k == favour else 0.0 for k in range(10)],
    }


@case("a PyTorch state_dict is refused with everything it needs in one message")
def _():
    sd = state_dict()
    tensors = {k: ([len(v), len(v[0])] if isinstance(v[0], list) else [len(v)],
                   [x for row in v for x in (row if isinstance(row, list) else [row])])
               for k, v in sd.items()}
    r = cli("predict", write("torch.safetensors", safetensors(tensors)),
            write("torch.png", png(28, 28, gray(seven(28)))))
    fails(r, 1, "torch.safetensors", r'"format"', r'"version"', r'"loss"', r'"activations"',
          "digitpad-mlp", "softmax-ce", "sigmoid-ce", "relu", "layers.N.weight",
          "0.weight → layers.0.weight", "2.weight → layers.1.weight", "2.bias → layers.1.bias")


@case("the README's recipe for a PyTorch state_dict writes a model that loads and predicts")
def _():
    readme = open(os.path.join(SOURCE, "README.md"), encoding="utf-8").read()
    m = re.search(r"### Models from PyTorch\n.*?```python\n(.*?)```", readme, re.S)
    assert m, "no ```python block under '### Models from PyTorch' in the README"
    scope = {}
    exec(compile(m.group(1), "README.md (Models from PyTorch)", "exec"), scope)
    out = path("recipe.safetensors")
    scope["save_digitpad"](out, state_dict(favour=3))
    r = cli("predict", "--json", out, write("recipe.png", png(28, 28, gray(seven(28)))))
    assert r.status == 0, r
    got = json.loads(r.out)
    assert got["digit"] == 3, got
    # Normalize((0.5,), (2.0,)) folded into the first layer: w / std, b - Σw · mean / std
    sd = state_dict()
    scope["save_digitpad"](out, sd, mean=0.5, std=2.0)
    blob = open(out, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    def tensor(name):
        begin, end = header[name]["data_offsets"]
        return struct.unpack("<%df" % ((end - begin) // 4), blob[8 + n + begin:8 + n + end])
    w, b = tensor("layers.0.weight"), tensor("layers.0.bias")
    assert abs(w[785] - sd["0.weight"][1][1] / 2.0) < 1e-6, (w[785], sd["0.weight"][1][1])
    assert abs(b[1] - (0.1 - sum(sd["0.weight"][1]) * 0.25)) < 1e-4, b[1]
    r = cli("export-theta", out, path("recipe-theta"))  # a ReLU model: refused by name, loads
    fails(r, 1, "recipe.safetensors", "relu")


# --- options (items 16, 17) and the READMEs (item 18) -------------------------------------------
OPTION_CONFLICTS = [
    (["--optimizer", "adam", "--momentum", "0.9"], "--momentum"),
    (["--optimizer", "sgd", "--nesterov"], "--nesterov"),
    (["--optimizer", "lbfgs", "--batch", "10"], "--batch"),
    (["--optimizer", "lbfgs", "--schedule", "cosine"], "--schedule"),
    (["--preset", "classic", "--lr", "0.5"], "--lr"),
    (["--hidden", "0"], "--hidden"),
    (["--hidden", "0,10"], "--hidden"),
]


@case("train: an option the chosen optimizer would ignore is refused (exit 2), as --hidden 0 is")
def _():
    for args, option in OPTION_CONFLICTS:
        r = cli("train", *args, "--data", DATA, "--out", path("never.safetensors"))
        fails(r, 2, re.escape(option))
        assert not os.path.exists(path("never.safetensors")), args
    r = cli("train", "--hidden", "none", "--preset", "tiny", "--epochs", 1, "--data", DATA,
            "--out", path("linear.safetensors"))
    assert r.status == 0, r


@case("README: the usage line of bench lists exactly bench's options, all optional")
def _():
    readme = open(os.path.join(SOURCE, "README.md"), encoding="utf-8").read()
    m = re.search(r"^digitpad-cli bench (.*)$", readme, re.M)
    assert m, "no bench usage line"
    listed = set(re.findall(r"\[(--[a-z-]+)", m.group(1)))
    required = set(re.findall(r"(?<!\[)(--[a-z-]+)", m.group(1))) - listed
    help_text = cli("bench", "--help").out
    options = set(re.findall(r"^\s+(?:-\w, )?(--[a-z-]+)", help_text, re.M)) - {"--help", "--help-all"}
    assert not required, "the README marks %s as required: bench runs without them" % required
    assert listed == options, "README %s, bench --help %s" % (sorted(listed), sorted(options))


@case("weights/README.md names no absolute folder of the machine it was written on")
def _():
    text = open(os.path.join(SOURCE, "weights", "README.md"), encoding="utf-8").read()
    found = re.findall(r"(?<![\w.~])/(?:work|home|root|Users|srv|mnt)/\S*", text)
    assert not found, found


def main():
    print("1..%d" % len(CASES))
    failed = 0
    for i, (title, fn) in enumerate(CASES, 1):
        try:
            fn()
            print("ok %d - %s" % (i, title))
        except Exception as e:  # an assertion or a broken fixture: this case fails, not the rest
            failed += 1
            print("not ok %d - %s" % (i, title))
            for line in ("%s: %s" % (type(e).__name__, e)).splitlines():
                print("#   " + line)
        sys.stdout.flush()
    subprocess.run(["rm", "-rf", TMP])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
