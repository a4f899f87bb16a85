#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/: tiny valid files
of every format the readers take (no MNIST: the digits are drawn here), plus a few near misses.
Deterministic, stdlib only. Run it again after a format change; run-fuzz.sh merges the fuzzers'
own finds into the same directories.

    /usr/bin/python3 tests/fuzz/make-seeds.py [OUTDIR]
"""
import gzip
import json
import math
import os
import struct
import sys
import zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def digit(k, side=28):
    """A crude digit k drawn as ink 0..255 on side×side (0 = background): a ring, a bar, a slash."""
    img = bytearray(side * side)
    c = side / 2
    for y in range(side):
        for x in range(side):
            if k % 3 == 0:
                r = math.hypot(x - c, (y - c) * 0.7)
                v = max(0.0, 1 - abs(r - side * 0.28) / 2)
            elif k % 3 == 1:
                v = 1.0 if abs(x - c) < 2 and side * 0.15 < y < side * 0.85 else 0.0
            else:
                v = max(0.0, 1 - abs((x - c) + (y - c) * 0.6) / 2) if abs(y - c) < side * 0.35 else 0.0
            img[y * side + x] = int(255 * v)
    return bytes(img)


def split(a, b):
    """One fuzz input holding two files (tests/fuzz/fuzz-util.h): a 4-byte LE length, a, b."""
    return struct.pack("<I", len(a)) + a + b


# --- IDX: images (magic 0x00000803, n, 28, 28) and labels (0x00000801, n), big-endian --------
def idx_images(imgs, rows=28, cols=28):
    return struct.pack(">IIII", 0x803, len(imgs), rows, cols) + b"".join(imgs)


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


imgs = [digit(k) for k in range(3)]
labels = [0, 1, 7]
put("idx", "raw-3", split(idx_images(imgs), idx_labels(labels)))
put("idx", "gz-3", split(gzip.compress(idx_images(imgs), mtime=0), gzip.compress(idx_labels(labels), mtime=0)))
put("idx", "gz-images-raw-labels-1", split(gzip.compress(idx_images(imgs[:1]), mtime=0), idx_labels(labels[:1])))
put("idx", "label-10", split(idx_images(imgs[:1]), idx_labels([10])))
put("idx", "count-mismatch", split(idx_images(imgs[:2]), idx_labels(labels[:1])))
put("idx", "huge-count", split(struct.pack(">IIII", 0x803, 1 << 30, 28, 28) + imgs[0], idx_labels([1])))
put("idx", "not-28", split(idx_images([b"\x80" * 16], 4, 4), idx_labels([3])))
put("idx", "empty", split(b"", b""))

# --- safetensors: 8-byte LE header length, JSON header, raw little-endian F32 tensors -------------
def safetensors(sizes, activation="relu", loss="softmax-ce", seed=1, extra_meta=None, dtype="F32"):
    tensors, blobs, offset = {}, [], 0
    x = seed
    for l in range(len(sizes) - 1):
        n_in, n_out = sizes[l], sizes[l + 1]
        for name, shape in ((f"layers.{l}.weight", [n_out, n_in]), (f"layers.{l}.bias", [n_out])):
            count = shape[0] * (shape[1] if len(shape) > 1 else 1)
            vals = []
            for _ in range(count):
                x = (x * 1103515245 + 12345) & 0x7FFFFFFF
                vals.append((x / 0x7FFFFFFF - 0.5) * 0.2)
            blob = struct.pack(f"<{count}f", *vals)
            tensors[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
            blobs.append(blob)
            offset += len(blob)
    out_act = {"softmax-ce": "softmax", "sigmoid-ce": "sigmoid", "mse": "sigmoid"}[loss]
    meta = {
        "format": "digitpad-mlp",
        "version": "1",
        "activations": ",".join([activation] * (len(sizes) - 2) + [out_act]),
        "loss": loss,
        "input": "28x28, ink = 1.0, MNIST-style centring",
    }
    meta.update(extra_meta or {})
    header = {"__metadata__": meta}
    header.update(tensors)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)  # safetensors pads the header to 8 bytes with spaces
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


put("safetensors", "784-1-10-relu", safetensors([784, 1, 10]))
put("safetensors", "784-2-3-10-sigmoid", safetensors([784, 2, 3, 10], "sigmoid", "sigmoid-ce", seed=2,
                                                     extra_meta={"recipe": "fuzz seed", "test_accuracy": "0.1"}))
put("safetensors", "784-1-10-tanh-mse", safetensors([784, 1, 10], "tanh", "mse", seed=3))
put("safetensors", "784-10", safetensors([784, 10], seed=4))
good = safetensors([784, 1, 10], seed=5)
put("safetensors", "header-too-long", struct.pack("<Q", 1 << 40) + good[8:])
put("safetensors", "bad-dtype", safetensors([784, 1, 10], dtype="F16"))
put("safetensors", "zero", b"")
# issue 12: the eleventh output ("not a digit") and the calibration temperature
put("safetensors", "784-1-11-refuse-temperature",
    safetensors([784, 1, 11], seed=6, extra_meta={"refuse": "class", "temperature": "1.5"}))
put("safetensors", "784-11-sigmoid-refuse",
    safetensors([784, 11], "relu", "sigmoid-ce", seed=7, extra_meta={"refuse": "class"}))
put("safetensors", "bad-temperature", safetensors([784, 1, 10], seed=8,
                                                  extra_meta={"temperature": "0"}))

# --- Theta text (numpy savetxt): Theta1 h×785, Theta2 10×(h+1), bias first ----------------------
def theta(rows, cols, fmt, seed):
    lines, x = [], seed
    for _ in range(rows):
        vals = []
        for _ in range(cols):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            vals.append(fmt % ((x / 0x7FFFFFFF - 0.5) * 2))
        lines.append(" ".join(vals))
    return ("\n".join(lines) + "\n").encode()


put("theta", "h1-short", split(theta(1, 785, "%.2g", 1), theta(10, 2, "%.2g", 2)))
put("theta", "h1-numpy", split(theta(1, 785, "%.18e", 3), theta(10, 2, "%.18e", 4)))
put("theta", "h2-ints", split(theta(2, 785, "%.0f", 5), theta(10, 3, "%.0f", 6)))
put("theta", "ragged", split(theta(1, 785, "%.1f", 7), theta(10, 2, "%.1f", 8)[:-9] + b"\n"))
put("theta", "text", split(b"nan inf -inf 1e999 0x1p3 abc\n", b"1 2\n"))

# --- images: PNG (gray, RGBA, 1×1), BMP, PGM, and a few not-quite images --------------------------
def png(width, height, rows, color_type):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    raw = b"".join(b"\x00" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


ink = digit(0, 24)
gray_rows = [bytes(255 - v for v in ink[y * 24:(y + 1) * 24]) for y in range(24)]  # dark on light
put("image", "gray-24.png", png(24, 24, gray_rows, 0))
rgba_rows = [b"".join(bytes((0, 0, 0, v)) for v in ink[y * 24:(y + 1) * 24]) for y in range(24)]
put("image", "rgba-alpha-24.png", png(24, 24, rgba_rows, 6))  # black ink whose shape is in alpha: composited over white
light_on_dark = [bytes(ink[y * 24:(y + 1) * 24]) for y in range(24)]
put("image", "light-on-dark-24.png", png(24, 24, light_on_dark, 0))
put("image", "white-8.png", png(8, 8, [b"\xff" * 8] * 8, 0))
put("image", "pixel-1.png", png(1, 1, [b"\x00"], 0))
put("image", "huge-header.png", png(100000, 100000, [b"\x00"], 0)[:33] + b"\x00" * 16)


def bmp(width, height, gray):
    row = (width * 3 + 3) & ~3
    pixels = b"".join(
        b"".join(bytes((gray[y * width + x],) * 3) for x in range(width)).ljust(row, b"\x00")
        for y in reversed(range(height)))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return header + info + pixels


put("image", "digit-16.bmp", bmp(16, 16, bytes(255 - v for v in digit(1, 16))))
put("image", "digit-20.pgm", b"P5\n20 20\n255\n" + bytes(255 - v for v in digit(2, 20)))
put("image", "text.txt", b"this is not an image\n")


# --- strokes files: one JSON record a line (engine/strokes-file.h) --------------------------------
def stroke_record(k, scale=1.0, dx=0.0, dy=0.0, **extra):
    """digit k as strokes: a ring (0), a stick (1) or a zig-zag (2), in canvas units × scale"""
    if k % 3 == 0:
        pts = [[0.5 + 0.3 * math.cos(t / 8 * math.pi), 0.5 + 0.4 * math.sin(t / 8 * math.pi)] for t in range(17)]
        strokes = [pts]
    elif k % 3 == 1:
        strokes = [[[0.5, 0.1 + 0.1 * i] for i in range(9)]]
    else:
        strokes = [[[0.2, 0.2], [0.8, 0.2], [0.2, 0.8], [0.8, 0.8]], [[0.4, 0.5, 0.5], [0.6, 0.5, 0.7]]]
    rec = {"strokes": [[[round(p[0] * scale + dx, 2), round(p[1] * scale + dy, 2)] + p[2:] for p in s]
                       for s in strokes]}
    rec.update(extra)
    return json.dumps(rec)


put("strokes", "ring-canvas", (stroke_record(0, 280, canvas=[280, 280], label=0, id="a") + "\n").encode())
put("strokes", "stick-mm", (stroke_record(1, 60, 3, 4, label=1, time=1764400000) + "\n").encode())
put("strokes", "zigzag-pressure", (stroke_record(2, 400, canvas=[600, 400], label=None) + "\n").encode())
put("strokes", "file", "\n".join([stroke_record(0, 100, id="x"), "", "  ", stroke_record(1, 5, label=7),
                                  '{"strokes": [[[0, 0], [3]]]}', "not json",
                                  stroke_record(2, 1, label=12)[:40], stroke_record(2, 2)]).encode())
put("strokes", "bad-values", b'{"strokes": [[[1e999, 0], [0, -1e400, 2]]], "canvas": [0, -1], "label": "7", "id": 3}\n')
put("strokes", "dot", b'{"strokes": [[[5, 5]]], "label": 4.0, "x": {"y": [[[[1]]]]}}\r\n')
