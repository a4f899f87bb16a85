#!/usr/bin/python3
"""Bad input for digitpad-cli, one TAP case per kind of bad file (issue 5): each must end with
exit status 1 and exactly one line on stderr that names the file and says what is wrong, within a
time limit (no hang), without a crash and without an answer made up on stdout.

Every file is generated here (no MNIST needed). Run with DIGITPAD_CLI=path/to/digitpad-cli;
stdlib only, /usr/bin/python3. Root can read any file, so the unreadable model is opened by the CLI
run as the user nobody when the suite runs as root; a dangling symlink and a FIFO are unreadable
too (opening a FIFO for reading blocks until a writer comes: a reader that opens it blindly hangs).
"""
import gzip
import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import zlib

CLI = os.environ.get("DIGITPAD_CLI", "digitpad-cli")
TIMEOUT = float(os.environ.get("DIGITPAD_TEST_TIMEOUT", "60"))
# One drawing's preprocessing must never decode a huge image at full size: 16000² RGBA would
# be 1 GiB. The sanitizer build's own overhead is a few hundred MiB.
HUGE_RSS_LIMIT_MB = 700

cases = []


def case(fn):
    cases.append(fn)
    return fn


# --- file makers --------------------------------------------------------------------------------
def digit_ink(side=28):
    """A ring (a zero): ink 0..255 on side × side."""
    img = bytearray(side * side)
    c = side / 2
    for y in range(side):
        for x in range(side):
            r = math.hypot(x - c, (y - c) * 0.7)
            img[y * side + x] = int(255 * max(0.0, 1 - abs(r - side * 0.28) / 2))
    return bytes(img)


def idx_images(n, rows=28, cols=28, claim=None):
    return struct.pack(">IIII", 0x803, n if claim is None else claim, rows, cols) + digit_ink() * n


def idx_labels(labels, claim=None):
    return struct.pack(">II", 0x801, len(labels) if claim is None else claim) + bytes(labels)


def safetensors(sizes=(784, 4, 10), dtype="F32", meta=True, fill=None, tweak=None):
    """A model file as DESIGN.md describes it; tweak(header) may break the header."""
    tensors, blobs, offset = {}, [], 0
    k = 0
    for l in range(len(sizes) - 1):
        n_in, n_out = sizes[l], sizes[l + 1]
        for name, shape in ((f"layers.{l}.weight", [n_out, n_in]), (f"layers.{l}.bias", [n_out])):
            count = shape[0] * (shape[1] if len(shape) > 1 else 1)
            vals = []
            for _ in range(count):
                k += 1
                vals.append(math.sin(k * 12.9898) * 0.1)
            blob = struct.pack(f"<{count}f", *vals)
            tensors[name] = {"dtype": dtype, "shape": shape,
                             "data_offsets": [offset, offset + len(blob)]}
            blobs.append(blob)
            offset += len(blob)
    header = {}
    if meta:
        header["__metadata__"] = {
            "format": "digitpad-mlp", "version": "1",
            "activations": ",".join(["relu"] * (len(sizes) - 2) + ["softmax"]),
            "loss": "softmax-ce", "input": "28x28, ink = 1.0, MNIST-style centring",
        }
    header.update(tensors)
    if tweak:
        tweak(header)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    data = bytearray(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    if fill is not None:  # overwrite the first weight with a special value
        struct.pack_into("<f", data, 8 + len(h), fill)
    return bytes(data)


def png(width, height, row_fn, color_type=0, level=6):
    """A PNG written row by row (row_fn(y) → bytes), so that a huge image costs little memory."""
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    z = zlib.compressobj(level)
    parts = []
    for y in range(height):
        parts.append(z.compress(b"\x00" + row_fn(y)))
    parts.append(z.flush())
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
            + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b""))


def theta(rows, cols, value=lambda r, c: math.sin(r * 31 + c) * 0.1):
    return "".join(" ".join("%.18e" % value(r, c) for c in range(cols)) + "\n"
                   for r in range(rows)).encode()


# --- running the CLI ----------------------------------------------------------------------------
def as_nobody():
    """In the child, before exec: become the user nobody (root reads any file whatever its mode)."""
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


NOBODY = 65534


def run(args, preexec_fn=None):
    """Runs the CLI; returns (status, stdout, stderr, seconds, max RSS in MiB). A hang is killed."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        p = subprocess.Popen([CLI] + args, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                             preexec_fn=preexec_fn)
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > TIMEOUT:
                p.kill()
                pid, status, usage = os.wait4(p.pid, 0)
                status = None
                break
            time.sleep(0.01)
        p.returncode = 0  # reaped by wait4 above
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        code = None if status is None else (os.waitstatus_to_exitcode(status))
        return (code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                seconds, usage.ru_maxrss / 1024)


last_said = [None]  # the last message expect_failure matched, paths removed (for the log)


def expect_failure(args, named, pattern, max_rss_mb=None, preexec_fn=None):
    """Exit 1, one line on stderr naming `named` (a path: its basename must appear) and matching
    pattern (case-insensitive), and with max_rss_mb, a peak memory below it. Returns a list of
    problems (empty = pass)."""
    code, out, err, seconds, rss = run(args, preexec_fn)
    problems = []
    if code is None:
        return [f"hung: killed after {TIMEOUT:.0f} s"]
    if max_rss_mb is not None and rss > max_rss_mb:
        problems.append(f"peak memory {rss:.0f} MiB, limit {max_rss_mb} MiB")
    if code != 1:
        problems.append(f"exit status {code}, expected 1" + (" (killed by a signal)" if code < 0 else ""))
    lines = [l for l in err.splitlines() if l.strip()]
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr, expected 1")
    text = " ".join(lines)
    if os.path.basename(named) not in text:
        problems.append(f"the message does not name {os.path.basename(named)}")
    said = strip_paths(text)
    last_said[0] = said
    if not re.search(pattern, said, re.I):
        problems.append(f"the message, paths removed ({said!r}), does not say /{pattern}/")
    if problems:
        problems.append(f"stderr: {err.strip()!r}")
        if out.strip():
            problems.append(f"stdout: {out.strip()[:200]!r}")
    return problems


# --- fixtures -----------------------------------------------------------------------------------
tmp = tempfile.mkdtemp(prefix="digitpad-bad-input-")
_serial = [0]


def neutral(suffix=""):
    """A fresh file or folder name that says nothing about the case ("f07.png")."""
    _serial[0] += 1
    return f"f{_serial[0]:02d}{suffix}"


def strip_paths(text):
    """The message without the paths of the files it names (every one lies under tmp, and the
    MNIST base names are fixed): what is left must say what is wrong by itself."""
    text = re.sub(re.escape(tmp) + r"[^\s:,;'\"()]*", "@", text)
    return re.sub(r"t10k-(images|labels)-idx[13]-ubyte(\.gz)?", "@", text)


def path(*parts):
    return os.path.join(tmp, *parts)


def write(name, data):
    p = path(name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    return p


GOOD_MODEL = write("good.safetensors", safetensors())
GOOD_IMAGE = write("good.png", png(28, 28, lambda y: bytes(255 - v for v in digit_ink()[y * 28:(y + 1) * 28])))
IMAGES = "t10k-images-idx3-ubyte"
LABELS = "t10k-labels-idx1-ubyte"


def data_dir(name, images=None, labels=None):
    """A --data directory whose t10k pair is good unless replaced (bytes, or a callable that makes
    the file itself at the given path)."""
    d = path(name)
    os.makedirs(d, exist_ok=True)
    for base, content in ((IMAGES, images if images is not None else idx_images(3)),
                          (LABELS, labels if labels is not None else idx_labels([0, 1, 2]))):
        p = os.path.join(d, base)
        if callable(content):
            content(p)
        else:
            with open(p, "wb") as f:
                f.write(content)
    return d


def idx_case(title, pattern, images=None, labels=None, bad=IMAGES):
    @case
    def _():
        d = data_dir(neutral(), images, labels)
        return title, expect_failure(["eval", GOOD_MODEL, "--data", d], os.path.join(d, bad), pattern)


@case
def good_files_work():
    """The fixtures themselves are good: without this, every failure below could be a bad fixture."""
    d = data_dir("good")
    code, out, err, _, _ = run(["eval", GOOD_MODEL, "--data", d])
    problems = [] if code == 0 and re.search(r"accuracy: ", out) else [f"eval: exit {code}, {err.strip()!r}"]
    code, out, err, _, _ = run(["predict", GOOD_MODEL, GOOD_IMAGE])
    if code != 0 or "good.png" not in out:
        problems.append(f"predict: exit {code}, {err.strip()!r}")
    return "the good model, images and data set are accepted (control)", problems


# --- IDX ----------------------------------------------------------------------------------------
idx_case("IDX: empty images file", r"empty", images=b"")
idx_case("IDX: empty labels file", r"empty", labels=b"", bad=LABELS)
idx_case("IDX: wrong magic", r"magic", images=b"\x00\x00\x08\x04" + idx_images(3)[4:])
idx_case("IDX: images file given as labels", r"magic|image file, expected label", labels=idx_images(3), bad=LABELS)
idx_case("IDX: truncated header", r"truncated header|header.*\b10\b.*\b16\b", images=idx_images(3)[:10])
idx_case("IDX: truncated data", r"truncated|data ends", images=idx_images(3)[:-100])
idx_case("IDX: truncated labels", r"truncated|data ends", labels=idx_labels([0, 1, 2])[:-1], bad=LABELS)
idx_case("IDX: counts of images and labels differ", r"3 images.*2 labels|\bmatch|differ|disagree",
         labels=idx_labels([0, 1]), bad=LABELS)
idx_case("IDX: 32×32 images instead of 28×28", r"32\s*[×x]\s*32|expected 28\s*[×x]\s*28",
         images=struct.pack(">IIII", 0x803, 3, 32, 32) + b"\x00" * 3 * 32 * 32)
idx_case("IDX: label 10 (the first above 9)", r"label.*(above 9|range|> ?9|invalid)|\b10\b.*(above|range)",
         labels=idx_labels([0, 10, 2]), bad=LABELS)
idx_case("IDX: header claims 2^31 images in a small file (no allocation)",
         r"truncated|claims|holds only|too (many|large)", images=idx_images(3, claim=0x7FFFFFF0))
idx_case("IDX: gzip header claiming a billion images", r"truncated|claims|too (many|large)|more than",
         images=gzip.compress(idx_images(3, claim=1_000_000_000), mtime=0))


def corrupt_gzip():
    g = bytearray(gzip.compress(idx_images(3), mtime=0))
    for i in range(30, 60):
        g[i] ^= 0x5A
    return bytes(g)


idx_case("IDX: corrupt gzip stream", r"gzip|corrupt|compress|crc|invalid|truncated", images=corrupt_gzip())
idx_case("IDX: truncated gzip stream", r"gzip|truncated|ends|corrupt",
         images=gzip.compress(idx_images(3), mtime=0)[:-40])
idx_case("IDX: a directory in place of the images file", r"directory", images=lambda p: os.mkdir(p))
idx_case("IDX: a dangling symlink in place of the labels file", r"no such file|cannot open|not found|no @ or @ \(MNIST test set\) there",
         labels=lambda p: os.symlink(os.path.join(tmp, "nowhere"), p), bad=LABELS)
idx_case("IDX: a FIFO in place of the images file (must not block)",
         r"empty|not a (regular )?file|fifo|pipe|special", images=lambda p: os.mkfifo(p))


@case
def idx_missing_dir():
    d = path(neutral())
    return "IDX: --data names a directory that does not exist", \
        expect_failure(["eval", GOOD_MODEL, "--data", d], d,
                       r"no such|not found|does not exist|no @ or @ \(MNIST test set\) there")


# --- model files --------------------------------------------------------------------------------
def model_case(title, data, pattern):
    @case
    def _():
        m = write("models/" + neutral(".safetensors"), data)
        return title, expect_failure(["predict", m, GOOD_IMAGE], m, pattern)


good = safetensors()
model_case("model: a file of zero bytes", b"", r"empty|zero|too short|header|truncated")
model_case("model: shorter than the 8-byte header length", good[:5], r"too short|truncated|header")
model_case("model: header length beyond the file", struct.pack("<Q", len(good)) + good[8:],
           r"header length .*beyond|beyond the end")
model_case("model: header length 2^63", struct.pack("<Q", 1 << 63) + good[8:],
           r"header length .*beyond|beyond the end")
model_case("model: invalid JSON", struct.pack("<Q", 16) + b"{\"__metadata__\":" + good[24:],
           r"json|parse")
model_case("model: JSON that is not an object", struct.pack("<Q", 8) + b"[1,2,3] " + good[16:],
           r"not an object")
model_case("model: unknown dtype F16", safetensors(dtype="F16"), r"dtype F16")
model_case("model: unknown dtype XYZ", safetensors(dtype="XYZ"), r"dtype XYZ")


def break_chain(h):
    h["layers.1.weight"]["shape"] = [10, 5]  # layer 0 gives 4


model_case("model: shapes that do not chain (784-4, then 5-10)", safetensors(tweak=break_chain),
           r"\[10, 5\].*(chain|\b4\b)|do not chain")
model_case("model: output of 9 classes", safetensors(sizes=(784, 4, 9)),
           r"9 (outputs|classes).*\b10\b|expected 10 (digits|classes|outputs)")
model_case("model: input of 100", safetensors(sizes=(100, 4, 10)),
           r"\[4, 100\].*784|input.*784|expected \[out, 784\]")


def offsets_out(h):
    h["layers.1.bias"]["data_offsets"][1] += 4096


def offsets_overlap(h):
    a = h["layers.0.bias"]["data_offsets"]
    h["layers.1.bias"]["data_offsets"] = [a[0] + 4, a[0] + 4 + 40]


def offsets_overlap_one_float(h):
    """layers.1.bias starts on the last float of layers.1.weight (the tensor before it)."""
    o = h["layers.1.bias"]["data_offsets"]
    h["layers.1.bias"]["data_offsets"] = [o[0] - 4, o[1] - 4]


def offsets_backwards(h):
    o = h["layers.1.bias"]["data_offsets"]
    h["layers.1.bias"]["data_offsets"] = [o[1], o[0]]


def no_bias(h):
    del h["layers.1.bias"]


model_case("model: data offsets out of bounds", safetensors(tweak=offsets_out),
           r"data_offsets.*(span|bounds|beyond)|out of bounds")
model_case("model: overlapping data offsets", safetensors(tweak=offsets_overlap), r"overlap")
model_case("model: data offsets overlapping by one float", safetensors(tweak=offsets_overlap_one_float),
           r"overlap")
model_case("model: data offsets backwards", safetensors(tweak=offsets_backwards),
           r"out of order|backwards|reversed")
model_case("model: a missing tensor", safetensors(tweak=no_bias),
           r"missing tensor layers\.1\.bias|layers\.1\.bias.*missing")
model_case("model: a NaN weight", safetensors(fill=float("nan")), r"\bnan\b|not finite")
model_case("model: an infinite weight", safetensors(fill=float("inf")), r"infinite|\binf\b|not finite")
model_case("model: missing metadata", safetensors(meta=False), r"metadata")
model_case("model: a PNG given as the model", png(4, 4, lambda y: b"\x00" * 4),
           r"this is a PNG image, not a model")


@case
def model_directory():
    d = path(neutral(".safetensors"))
    os.makedirs(d, exist_ok=True)
    return "model: a directory in place of the model", \
        expect_failure(["predict", d, GOOD_IMAGE], d, r"directory|not a regular file")


@case
def model_unreadable():
    """A model file without read permission. Root reads it anyway, so as root (how CI runs) the
    CLI runs as nobody, with the folders on the way open to it and the image readable."""
    d = path(neutral())
    os.makedirs(d)
    p = write(os.path.join(d, neutral(".safetensors")), good)
    os.chmod(p, 0)
    drop = None
    if os.geteuid() == 0:
        for folder in (tmp, d):
            os.chmod(folder, 0o755)
        drop = as_nobody
    problems = expect_failure(["predict", p, GOOD_IMAGE], p, r"permission denied|not readable",
                              preexec_fn=drop)
    os.chmod(p, 0o644)
    return "model: a file without read permission" + (" (run as nobody)" if drop else ""), problems


@case
def model_fifo():
    p = path("models/" + neutral(".safetensors"))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    os.mkfifo(p)
    return "model: a FIFO in place of the model (must not block)", \
        expect_failure(["predict", p, GOOD_IMAGE], p, r"empty|not a (regular )?file|fifo|pipe|special")


@case
def model_device():
    p = path(neutral(".safetensors"))
    os.symlink("/dev/zero", p)
    return "model: /dev/zero in place of the model (no endless read)", \
        expect_failure(["predict", p, GOOD_IMAGE], p, r"too large|not a (regular )?file|device",
                       max_rss_mb=HUGE_RSS_LIMIT_MB)


@case
def model_huge_file():
    p = path("models/" + neutral(".safetensors"))
    with open(p, "wb") as f:
        f.write(good[:4096])
        f.truncate(3 << 30)  # sparse: 3 GiB that take no disk
    problems = expect_failure(["predict", p, GOOD_IMAGE], p, r"too large",
                              max_rss_mb=HUGE_RSS_LIMIT_MB)
    os.unlink(p)
    return "model: a 3 GiB file is refused without reading it all into memory", problems


# --- Theta text ---------------------------------------------------------------------------------
def theta_case(title, t1, t2, pattern, bad="Theta1.txt"):
    @case
    def _():
        d = path(neutral())
        os.makedirs(d, exist_ok=True)
        p1, p2, out = os.path.join(d, "Theta1.txt"), os.path.join(d, "Theta2.txt"), os.path.join(d, "out.safetensors")
        for p, data in ((p1, t1), (p2, t2)):
            with open(p, "wb") as f:
                f.write(data)
        problems = expect_failure(["import-theta", p1, p2, "--out", out], os.path.join(d, bad), pattern)
        if os.path.exists(out):
            problems.append("a model file was written anyway")
        return title, problems


T1, T2 = theta(3, 785), theta(10, 4)


@case
def theta_good():
    d = path("theta-good")
    os.makedirs(d, exist_ok=True)
    p1, p2, out = (os.path.join(d, n) for n in ("Theta1.txt", "Theta2.txt", "out.safetensors"))
    open(p1, "wb").write(T1)
    open(p2, "wb").write(T2)
    code, _, err, _, _ = run(["import-theta", p1, p2, "--out", out])
    ok = code == 0 and os.path.exists(out)
    return "Theta: a good 784-3-10 pair imports (control)", [] if ok else [f"exit {code}: {err.strip()!r}"]


theta_case("Theta: Theta1 with 700 columns", theta(3, 700), T2, r"\b700\b.*\b785\b")
theta_case("Theta: Theta2 with 9 rows", T1, theta(9, 4), r"\b9\b.*expected 10\b|\b9 rows", bad="Theta2.txt")
theta_case("Theta: Theta2 not matching Theta1's hidden size", T1, theta(10, 6), r"10\s*[×x]\s*6.*10\s*[×x]\s*4|6 columns.*\b4\b",
           bad="Theta2.txt")
theta_case("Theta: non-numeric text", T1.replace(b"e-", b"x-", 1), T2, r"not a number|numeric|parse error")
theta_case("Theta: words instead of numbers", b"hello world\n", T2, r"not a number|numeric|parse error")
theta_case("Theta: ragged rows", T1.rsplit(b" ", 1)[0] + b"\n", T2, r"ragged|784 values.*785")
theta_case("Theta: an empty file", b"", T2, r"empty|no (rows|numbers|data)")
theta_case("Theta: NaN in the weights", T1.replace(b" ", b" nan ", 1), T2, r"\bnan\b|not finite|infinite")


@case
def theta_fifo():
    d = path(neutral())
    os.makedirs(d, exist_ok=True)
    p1, p2, out = (os.path.join(d, n) for n in ("Theta1.txt", "Theta2.txt", "out.safetensors"))
    os.mkfifo(p1)
    open(p2, "wb").write(T2)
    problems = expect_failure(["import-theta", p1, p2, "--out", out], p1,
                              r"empty|not a (regular )?file|fifo|pipe|special")
    return "Theta: a FIFO in place of Theta1.txt (must not block)", problems


@case
def theta_huge():
    d = path(neutral())
    os.makedirs(d, exist_ok=True)
    p1, p2, out = (os.path.join(d, n) for n in ("Theta1.txt", "Theta2.txt", "out.safetensors"))
    with open(p1, "wb") as f:
        f.write(T1)
        f.truncate(3 << 30)  # sparse: 3 GiB that take no disk
    open(p2, "wb").write(T2)
    problems = expect_failure(["import-theta", p1, p2, "--out", out], p1, r"too large|NUL|not a text",
                              max_rss_mb=HUGE_RSS_LIMIT_MB)
    os.unlink(p1)
    return "Theta: a 3 GiB Theta1.txt is refused without reading it all into memory", problems


# --- images -------------------------------------------------------------------------------------
def image_case(title, data, pattern, todo=None):
    @case
    def _():
        p = write("images/" + neutral(".png"), data)
        return title, expect_failure(["predict", GOOD_MODEL, p], p, pattern), todo


image_case("image: text, not an image", b"hello, this is not an image\n",
           r"not an image|format|recogni")
image_case("image: zero bytes", b"", r"empty")
# gdk-pixbuf hands back a partly decoded picture without an error: the engine checks the PNG's
# chunks itself (issue 10, item 8)
image_case("image: a PNG cut in half", open(GOOD_IMAGE, "rb").read()[:60],
           r"truncated or damaged image")
image_case("image: a PNG of width 0", png(0, 5, lambda y: b""), r"header is cut short or damaged")
image_case("image: all white", png(40, 40, lambda y: b"\xff" * 40), r"no ink")
image_case("image: all black", png(40, 40, lambda y: b"\x00" * 40), r"no ink")
image_case("image: all mid-gray", png(40, 40, lambda y: b"\x80" * 40), r"no ink")
image_case("image: fully transparent RGBA", png(16, 16, lambda y: b"\x00\x00\x00\x00" * 16, color_type=6),
           r"no ink")


@case
def image_directory():
    d = path("images/" + neutral(".png"))
    os.makedirs(d, exist_ok=True)
    return "image: a directory in place of the image", \
        expect_failure(["predict", GOOD_MODEL, d], d, r"directory|not a regular file")


@case
def image_fifo():
    p = path("images/" + neutral(".png"))
    os.mkfifo(p)
    return "image: a FIFO in place of the image (must not block)", \
        expect_failure(["predict", GOOD_MODEL, p], p, r"empty|not a (regular )?file|fifo|pipe|special")


@case
def huge_image():
    """16000 × 16000: refused, or downscaled while decoding; never decoded whole (1 GiB as RGBA)."""
    side = 16000
    white, band = b"\xff" * side, b"\xff" * (side // 3) + b"\x00" * (side // 3) + b"\xff" * (side - 2 * (side // 3))
    p = write("images/" + neutral(".png"), png(side, side, lambda y: band if side // 4 < y < 3 * side // 4 else white, level=1))
    code, out, err, seconds, rss = run(["predict", GOOD_MODEL, p])
    problems = []
    if code is None:
        problems.append("hung")
    elif code == 0:
        if os.path.basename(p) not in out:
            problems.append(f"exit 0 without a prediction: {out!r}")
    elif code == 1:
        lines = [l for l in err.splitlines() if l.strip()]
        if len(lines) != 1 or os.path.basename(p) not in err \
                or not re.search(r"large|huge|big|dimension|size", strip_paths(err), re.I):
            problems.append(f"refused without a one-line message naming the file and its size: {err.strip()!r}")
    else:
        problems.append(f"exit status {code}: {err.strip()!r}")
    if rss > HUGE_RSS_LIMIT_MB:
        problems.append(f"peak memory {rss:.0f} MiB (limit {HUGE_RSS_LIMIT_MB} MiB): decoded at full size?")
    os.unlink(p)
    return f"image: a 16000×16000 PNG is refused or downscaled ({seconds:.1f} s, {rss:.0f} MiB peak)", problems


def main():
    print(f"1..{len(cases)}")
    failed = 0
    for i, fn in enumerate(cases, 1):
        last_said[0] = None
        todo = None
        try:
            title, problems, *todo = fn()
            todo = todo[0] if todo else None
        except Exception as e:  # a broken fixture is a failure, not a crash of the whole script
            title, problems = fn.__name__, [f"{type(e).__name__}: {e}"]
        if problems and todo:
            print(f"not ok {i} - {title} # TODO {todo}")
            for p in problems:
                print(f"#   {p}")
        elif problems:
            failed += 1
            print(f"not ok {i} - {title}")
            for p in problems:
                print(f"#   {p}")
        else:
            print(f"ok {i} - {title}")
            if last_said[0] is not None:
                print(f"#   said: {last_said[0]}")
        sys.stdout.flush()
    subprocess.run(["rm", "-rf", tmp])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
