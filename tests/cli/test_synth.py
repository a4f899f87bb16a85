#!/usr/bin/python3
"""test_synth.py: the generated training data through digitpad-cli (issue 12): `synth` writes
the same bytes for the same seed and others for another, labels 0-9 and 10 in the counts asked
for; `synth --dev` writes the development set (held-out fonts as IDX, drawn digits and drawn
negatives as strokes files that `eval --negatives` reads); usage and file errors; and, with MNIST,
`train --train-data mix` trains an 11-output model on MNIST + the generated examples, which are
cached under $XDG_CACHE_HOME/digitpad and read from there by the next run.

Prints TAP. Standard library only. $DIGITPAD_CLI, $DIGITPAD_MNIST_DIR as test_cli.py.
"""

import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import traceback

SOURCE_DIR = os.environ.get(
    "DIGITPAD_SOURCE_DIR",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CLI = os.path.abspath(os.environ.get("DIGITPAD_CLI")
                      or os.path.join(SOURCE_DIR, "build", "src", "cli", "digitpad-cli"))
MNIST = os.environ.get("DIGITPAD_MNIST_DIR") or os.path.join(SOURCE_DIR, "..", "shared", "mnist")
if not os.path.exists(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz")):
    MNIST = None
TMP = tempfile.mkdtemp(prefix="digitpad-synth-test-")
CACHE = os.path.join(TMP, "cache")
ENV = dict(os.environ, LC_ALL="C.UTF-8", XDG_CACHE_HOME=CACHE)

results = []


def cli(*args, timeout=300):
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=ENV, timeout=timeout)


def read_idx(images, labels):
    with gzip.open(images) as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    assert magic == 0x803 and rows == 28 and cols == 28 and len(data) == 16 + n * 784, images
    with gzip.open(labels) as f:
        lab = f.read()
    assert struct.unpack(">II", lab[:8]) == (0x801, n), labels
    return data[16:], list(lab[8:])


def case(name):
    def wrap(fn):
        results.append((name, fn))
        return fn
    return wrap


@case("synth --help names --dev and the counts")
def _():
    p = cli("synth", "--help")
    assert p.returncode == 0 and "--dev" in p.stdout and "--negatives" in p.stdout, p.stdout


@case("synth: usage errors exit 2 with a reason")
def _():
    for args, words in ((["synth"], "--out"),
                        (["synth", "--digits", "many", "--out", TMP], "not a count"),
                        (["synth", "--digits", "0", "--negatives", "0", "--out", TMP],
                         "nothing to generate"),
                        (["synth", "--dev", "--data", TMP, "--out", TMP], "no MNIST"),
                        (["train", "--train-data", "fonts", "--data", TMP, "--out",
                          os.path.join(TMP, "m.safetensors")], "mnist, mix")):
        p = cli(*args)
        assert p.returncode == 2 and words in p.stderr, (args, p.returncode, p.stderr)


@case("synth: the same seed writes the same bytes, another seed others; labels 0-10 as asked")
def _():
    outs = {}
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        d = os.path.join(TMP, name)
        p = cli("synth", "--digits", "40", "--negatives", "30", "--seed", seed, "--out", d)
        assert p.returncode == 0, p.stderr
        files = [os.path.join(d, "synth-images-idx3-ubyte.gz"),
                 os.path.join(d, "synth-labels-idx1-ubyte.gz")]
        outs[name] = [open(f, "rb").read() for f in files]
        images, labels = read_idx(*files)
        assert labels == [i % 10 for i in range(40)] + [10] * 30, labels
        # every image has ink
        for i in range(70):
            assert sum(images[i * 784:(i + 1) * 784]) > 255 * 5, i
    assert outs["a"] == outs["b"], "same seed, different bytes"
    assert outs["a"][0] != outs["c"][0], "another seed, the same images"


@case("synth --dev: held-out fonts as IDX, drawn digits and negatives as strokes files")
def _():
    d = os.path.join(TMP, "dev")
    p = cli("synth", "--dev", "--digits", "20", "--negatives", "10", "--out", d)
    assert p.returncode == 0, p.stderr
    images, labels = read_idx(os.path.join(d, "dev-fonts-images-idx3-ubyte.gz"),
                              os.path.join(d, "dev-fonts-labels-idx1-ubyte.gz"))
    assert labels == [i % 10 for i in range(20)] + [10] * 10, labels
    for name, n, want in (("dev-digits.ndjson", 20, lambda i: i % 10),
                          ("dev-negatives.ndjson", 10, lambda i: None)):
        with open(os.path.join(d, name)) as f:
            records = [json.loads(line) for line in f if line.strip()]
        assert len(records) == n, (name, len(records))
        for i, r in enumerate(records):
            assert r["label"] == want(i), (name, i, r.get("label"))
            assert r["strokes"] and all(len(pt) >= 2 for s in r["strokes"] for pt in s), name
            assert r["id"], name
    # the held-out fonts are not the training ones: another seed's output is not the same either
    p2 = cli("synth", "--dev", "--digits", "20", "--negatives", "10", "--out", d + "2")
    assert p2.returncode == 0
    assert open(os.path.join(d, "dev-digits.ndjson")).read() == \
        open(os.path.join(d + "2", "dev-digits.ndjson")).read(), "dev set not repeatable"


@case("synth: an output folder that cannot be made is an error naming it")
def _():
    blocker = os.path.join(TMP, "a-file")
    open(blocker, "w").write("x")
    p = cli("synth", "--digits", "10", "--negatives", "0", "--out", os.path.join(blocker, "out"))
    assert p.returncode == 1 and "a-file" in p.stderr, (p.returncode, p.stderr)


@case("train --train-data mix: an 11-output model; the generated examples cached and reused")
def _():
    if MNIST is None:
        raise Skip("no MNIST (set DIGITPAD_MNIST_DIR)")
    out = os.path.join(TMP, "mix.safetensors")
    args = ["train", "--preset", "quick", "--train-data", "mix", "--epochs", "1", "--limit",
            "3000", "--data", MNIST, "--out", out]
    p = cli(*args, timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "data mix" in p.stderr and "40000 of them generated" in p.stderr, p.stderr[-2000:]
    head = open(out, "rb").read(8192)
    assert b"784-256-11" in head or b'"refuse"' in head, head[:400]
    cached = [n for n in os.listdir(os.path.join(CACHE, "digitpad")) if n.startswith("synth-")]
    assert len(cached) == 2, cached
    p = cli(*args, timeout=900)
    assert p.returncode == 0 and "the generated ones from" in p.stderr, p.stderr[-2000:]
    e = cli("eval", out, "--data", MNIST, "--limit", "500")
    assert e.returncode == 0 and "none" in e.stdout, e.stdout[-1500:]


class Skip(Exception):
    pass


def main():
    print("1..%d" % len(results))
    failed = 0
    for i, (name, fn) in enumerate(results, 1):
        try:
            fn()
            print("ok %d - %s" % (i, name))
        except Skip as s:
            print("ok %d - %s # SKIP %s" % (i, name, s))
        except Exception:
            failed += 1
            print("not ok %d - %s" % (i, name))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        sys.stdout.flush()
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
