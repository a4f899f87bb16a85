#!/usr/bin/python3
"""digitpad-cli under valgrind memcheck (issue 5): a short train, eval, predict (of images and of a
strokes file), import-theta and export-theta, each with no invalid read or write, no use of
uninitialised values and no definite leak (valgrind's --error-exitcode makes any of these fail
the case). TAP, stdlib only.

The training data is generated here (gzipped IDX, a few hundred drawn digits), so the test needs
no MNIST; eval also runs on the real MNIST test set when DIGITPAD_MNIST_DIR holds it (--limit
keeps it short). Env: DIGITPAD_CLI, DIGITPAD_SOURCE_DIR (for tests/valgrind.supp).
"""
import gzip
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

CLI = os.environ.get("DIGITPAD_CLI", "digitpad-cli")
SRC = os.environ.get("DIGITPAD_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SUPP = os.path.join(SRC, "tests", "valgrind.supp")
MNIST = os.environ.get("DIGITPAD_MNIST_DIR") or os.path.join(SRC, "..", "shared", "mnist")
VALGRIND = shutil.which("valgrind")

VALGRIND_ARGS = [
    "--tool=memcheck", "--error-exitcode=99", "--leak-check=full",
    "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
    "--num-callers=30", "--suppressions=" + SUPP,
]


def digit(k, rng):
    """A 28×28 digit-like blob for class k: a ring, a bar, two bars … jittered by rng."""
    img = bytearray(784)
    dx, dy = rng() * 4 - 2, rng() * 4 - 2
    for y in range(28):
        for x in range(28):
            u, v = x - 14 - dx, y - 14 - dy
            if k == 0:
                d = abs(math.hypot(u, v * 0.7) - 7)
            elif k == 1:
                d = abs(u) if abs(v) < 9 else 99
            else:
                d = abs(u * math.cos(k) + v * math.sin(k)) if math.hypot(u, v) < 9 else 99
            img[y * 28 + x] = int(255 * max(0.0, 1 - d / 2))
    return bytes(img)


def write_idx(d, prefix, n, seed):
    state = [seed]

    def rng():
        state[0] = (state[0] * 1103515245 + 12345) & 0x7FFFFFFF
        return state[0] / 0x7FFFFFFF

    labels = [i % 10 for i in range(n)]
    images = b"".join(digit(k, rng) for k in labels)
    with gzip.open(os.path.join(d, f"{prefix}-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + images)
    with gzip.open(os.path.join(d, f"{prefix}-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + bytes(labels))
    return images


def png_gray(pixels, side=28):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    raw = b"".join(b"\x00" + bytes(255 - p for p in pixels[y * side:(y + 1) * side]) for y in range(side))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def memcheck(args, log, want=0):
    """Runs the CLI under memcheck, expecting exit status want; returns (problems, summary,
    seconds)."""
    start = time.monotonic()
    p = subprocess.run([VALGRIND] + VALGRIND_ARGS + ["--log-file=" + log, CLI] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    seconds = time.monotonic() - start
    text = open(log, encoding="utf-8", errors="replace").read()
    problems = []
    if p.returncode == 99:
        problems.append("memcheck reported errors")
    elif p.returncode != want:
        problems.append(f"exit status {p.returncode}, expected {want}: "
                        f"{p.stderr.decode(errors='replace').strip()[:300]}")
    summary = [l.split("== ", 1)[-1] for l in text.splitlines()
               if "ERROR SUMMARY" in l or "definitely lost" in l or "Invalid " in l
               or "uninitialised" in l]
    if problems:
        # the first report with its stack, enough to find the bug from the test log
        lines = text.splitlines()
        first = next((i for i, l in enumerate(lines) if "Invalid " in l or "uninitialised" in l
                      or "definitely lost in" in l), None)
        if first is not None:
            summary += [l.split("== ", 1)[-1] for l in lines[first:first + 25]]
    return problems, summary, seconds


def main():
    if VALGRIND is None:
        print("1..0 # SKIP valgrind is not installed")
        return 0
    tmp = tempfile.mkdtemp(prefix="digitpad-valgrind-")
    data = os.path.join(tmp, "data")
    os.mkdir(data)
    write_idx(data, "train", 400, 1)
    test_images = write_idx(data, "t10k", 100, 2)
    model = os.path.join(tmp, "model.safetensors")
    images = []
    for i in range(3):
        p = os.path.join(tmp, f"digit-{i}.png")
        with open(p, "wb") as f:
            f.write(png_gray(test_images[i * 784:(i + 1) * 784]))
        images.append(p)
    blank = os.path.join(tmp, "blank.png")
    with open(blank, "wb") as f:
        f.write(png_gray(bytes(784)))
    theta_dir = os.path.join(tmp, "theta")
    os.mkdir(theta_dir)
    sigmoid_model = os.path.join(tmp, "sigmoid.safetensors")
    strokes = os.path.join(tmp, "strokes.ndjson")
    with open(strokes, "w") as f:
        f.write('{"strokes": [[[10, 10], [50, 12], [25, 80]]], "label": 7, "id": "seven"}\n'
                '{"strokes": [[[0, 0], [1]]]}\n'
                '{"strokes": [[[30, 5, 0.5], [31, 60, 1]], [[20, 60], [40, 60]]], "label": 1,'
                ' "canvas": [80, 80]}\n'
                '{"strokes": [[[5, 5], [60, 60]]]}\n')

    runs = [
        ("train: 784-32-10 Adam, 2 epochs on 400 generated digits",
         ["train", "--hidden", "32", "--optimizer", "adam", "--epochs", "2", "--batch", "50",
          "--limit", "400", "--threads", "1", "--no-augment", "--seed", "1",
          "--data", data, "--out", model], 0),
        ("train: 784-16-10 sigmoid L-BFGS, 3 iterations (the Classic path)",
         ["train", "--preset", "classic", "--hidden", "16", "--epochs", "3", "--limit", "200",
          "--threads", "1", "--data", data, "--out", sigmoid_model], 0),
        ("eval: the trained model on the generated test set",
         ["eval", model, "--data", data, "--limit", "100"], 0),
        ("predict: three images, text and --json", ["predict", "--json", model] + images, 0),
        ("predict: an image without ink (the error path)", ["predict", model, blank], 1),
        ("predict --strokes: three records and a bad line, --json",
         ["predict", "--json", model, "--strokes", strokes], 1),
        ("eval --strokes: the labelled records (and the bad line)",
         ["eval", model, "--strokes", strokes], 1),
        ("export-theta then import-theta", ["export-theta", sigmoid_model, theta_dir], 0),
        ("import-theta", ["import-theta", os.path.join(theta_dir, "Theta1.txt"),
                          os.path.join(theta_dir, "Theta2.txt"), "--out",
                          os.path.join(tmp, "imported.safetensors")], 0),
    ]
    if os.path.exists(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz")) or \
            os.path.exists(os.path.join(MNIST, "t10k-images-idx3-ubyte")):
        runs.append(("eval: the trained model on MNIST's test set (--limit 200)",
                     ["eval", model, "--data", MNIST, "--limit", "200"], 0))

    print(f"1..{len(runs)}")
    failed = 0
    for i, (title, args, want) in enumerate(runs, 1):
        log = os.path.join(tmp, f"memcheck-{i}.log")
        try:
            problems, summary, seconds = memcheck(args, log, want)
        except subprocess.TimeoutExpired:
            problems, summary, seconds = ["timed out"], [], 600
        if problems:
            failed += 1
            print(f"not ok {i} - {title}")
            for p in problems + summary:
                print(f"#   {p}")
        else:
            print(f"ok {i} - {title} ({seconds:.1f} s)")
            for p in summary:
                print(f"#   {p}")
        sys.stdout.flush()
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
