#!/usr/bin/python3
"""test_personalize.py: `digitpad-cli personalize` end to end: its help, usage errors (exit 2,
MNIST missing among them), bad input (exit 1, the message names the file), and with MNIST and
the shipped model: a personal model from the hand-drawn stroke fixtures (the report, the saved
file and its metadata, determinism by seed, a bad line skipped and named), and a refusal (drawings
labelled as the next digit cost MNIST too much: exit 1, the --out file untouched).

Prints TAP. Standard library only (run with Debian's /usr/bin/python3). The CLI comes from
$DIGITPAD_CLI, MNIST from $DIGITPAD_MNIST_DIR (default ../shared/mnist from the repo root); the
MNIST cases are skipped when it is absent.
"""

import glob
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# the CLI, MNIST, the scratch folder, how a run is made and shown: as test_cli.py has them
import test_cli  # noqa: E402
from test_cli import (MNIST, SOURCE_DIR, TMP, case, cli, expect_status, need_mnist,  # noqa: E402
                      read_safetensors, show)

MODEL = os.path.join(SOURCE_DIR, "weights", "digitpad-default.safetensors")
FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures", "strokes")
FIRST_CASE = len(test_cli.CASES)
STATE = {}  # what one case leaves for the next


def cli_env(changes, *args):
    """cli() with these environment variables set (None: removed)"""
    saved = dict(test_cli.ENV)
    for key, value in changes.items():
        if value is None:
            test_cli.ENV.pop(key, None)
        else:
            test_cli.ENV[key] = value
    try:
        return cli(*args, timeout=300)
    finally:
        test_cli.ENV.clear()
        test_cli.ENV.update(saved)


def personalize(samples, out, status):
    """personalize the shipped model with samples into out, expecting exit status; the report
    goes into the test's output"""
    p = cli("personalize", MODEL, "--samples", samples, "--out", out, "--data", MNIST,
            timeout=300)
    expect_status(p, status)
    for line in p.out.splitlines():
        print("# " + line)
    return p


def weights(path):
    """the tensors' bytes by name"""
    return {name: t[2] for name, t in read_safetensors(path)[0].items()}


# ---------------------------------------------------------------------------------------------
# strokes files made from the hand-drawn fixtures

def fixture_strokes(path):
    strokes = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                strokes.append([[float(v) for v in pt.split(",")] for pt in line.split()])
    return strokes


def fixtures():
    """(digit, strokes) of every fixture, in name order"""
    return [(int(os.path.basename(p)[6]), fixture_strokes(p))
            for p in sorted(glob.glob(os.path.join(FIXTURES, "digit-*.txt")))]


def write_samples(path, copies=1, shift_label=0, seed=1, extra_lines=()):
    """every fixture `copies` times (moved and shaken a little after the first), labelled
    digit + shift_label; extra_lines are written after the first record"""
    rng = random.Random(seed)
    lines = []
    for digit, strokes in fixtures():
        for k in range(copies):
            dx, dy = (rng.uniform(-.05, .05), rng.uniform(-.05, .05)) if k else (0, 0)
            moved = [[[x + dx + (rng.gauss(0, .003) if k else 0),
                       y + dy + (rng.gauss(0, .003) if k else 0)] for x, y in s]
                     for s in strokes]
            lines.append(json.dumps({"strokes": moved, "label": (digit + shift_label) % 10,
                                     "canvas": [1, 1]}))
    lines[1:1] = list(extra_lines)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


@case("--help lists personalize")
def _():
    p = cli("--help")
    expect_status(p, 0)
    assert re.search(r"^\s+personalize\s", p.out, re.M), p.out


@case("personalize --help")
def _():
    p = cli("personalize", "--help")
    expect_status(p, 0)
    for what in ("digitpad-cli personalize", "--samples", "--out", "--data", "--seed",
                 "DIGITPAD_MNIST_DIR", "0.3 points"):
        assert what in p.out, "%s missing:\n%s" % (what, show(p))


USAGE_ERRORS = [
    ("missing MODEL", ["personalize", "--samples", "s.ndjson", "--out", "p.safetensors"]),
    ("missing --samples", ["personalize", "m.safetensors", "--out", "p.safetensors"]),
    ("missing --out", ["personalize", "m.safetensors", "--samples", "s.ndjson"]),
    ("stray argument", ["personalize", "m", "extra", "--samples", "s", "--out", "p"]),
    ("bad --seed", ["personalize", "m", "--samples", "s", "--out", "p", "--data", "d",
                    "--seed", "-3"]),
]
for _name, _args in USAGE_ERRORS:
    def _usage(args=_args):
        p = cli(*args)
        expect_status(p, 2)
        assert "--help" in p.err and p.out == "", show(p)
    case("usage error (exit 2): " + _name)(_usage)


@case("no --data and no DIGITPAD_MNIST_DIR → exit 2 saying where MNIST comes from")
def _():
    samples = write_samples(os.path.join(TMP, "plain.ndjson"))
    out = os.path.join(TMP, "none.safetensors")
    p = cli_env({"DIGITPAD_MNIST_DIR": None}, "personalize", MODEL, "--samples", samples,
                "--out", out)
    expect_status(p, 2)
    assert "--data" in p.err and "DIGITPAD_MNIST_DIR" in p.err, show(p)
    assert not os.path.exists(out)


@case("a samples file that does not exist → exit 1 naming it")
def _():
    missing = os.path.join(TMP, "no-such-samples.ndjson")
    p = cli("personalize", MODEL, "--samples", missing, "--out", os.path.join(TMP, "x"),
            "--data", MNIST or TMP)
    expect_status(p, 1)
    assert missing in p.err and p.err.startswith("digitpad-cli: "), show(p)


@case("a --data folder without MNIST → exit 1 naming it")
def _():
    samples = write_samples(os.path.join(TMP, "plain.ndjson"))
    empty = os.path.join(TMP, "empty-dir")
    os.makedirs(empty, exist_ok=True)
    out = os.path.join(TMP, "none.safetensors")
    p = cli("personalize", MODEL, "--samples", samples, "--out", out, "--data", empty)
    expect_status(p, 1)
    assert empty in p.err, show(p)
    assert not os.path.exists(out)


@case("samples without a digit label → exit 1 saying why, nothing written")
def _():
    need_mnist()
    path = os.path.join(TMP, "unlabelled.ndjson")
    with open(path, "w") as f:
        for _digit, strokes in fixtures()[:4]:
            f.write(json.dumps({"strokes": strokes}) + "\n")
    out = os.path.join(TMP, "unlabelled.safetensors")
    p = cli("personalize", MODEL, "--samples", path, "--out", out, "--data", MNIST)
    expect_status(p, 1)
    assert path in p.err and "4 without a digit label" in p.err, show(p)
    assert not os.path.exists(out)


@case("the fixtures → a personal model: report, progress, metadata, a bad line named")
def _():
    need_mnist()
    bad = '{"strokes": [[[0.1, 0.2], [0.3]]], "label": 4}'
    samples = write_samples(os.path.join(TMP, "fixtures.ndjson"), extra_lines=[bad])
    out = os.path.join(TMP, "personal.safetensors")
    p = personalize(samples, out, 0)
    # an 11-output model also mixes in "not a digit" examples, and says so
    assert re.search(r'^samples: 30 used of 30, \d+ MNIST images(?: and \d+ "not a digit" '
                     r'examples)? mixed in', p.out, re.M), show(p)
    held = re.search(r"^your samples, each held out in turn: ([\d.]+) % -> ([\d.]+) %$", p.out,
                     re.M)
    mnist = re.search(r"^MNIST test: ([\d.]+) % -> ([\d.]+) %$", p.out, re.M)
    assert held and mnist, show(p)
    assert float(mnist.group(1)) - float(mnist.group(2)) <= 0.3 + 1e-9, show(p)
    assert re.search(r"^saved: .*personal\.safetensors \(personal model, 30 samples\)$", p.out,
                     re.M), show(p)
    # the bad line: named with its line number, skipped
    assert re.search(r"^digitpad-cli: .*fixtures\.ndjson:2: ", p.err, re.M), show(p)
    # progress on stderr, one line a stage
    assert re.search(r"^personalize: +\d+ %  [\d.]+ s  Learning your handwriting$", p.err,
                     re.M), show(p)
    _, meta = read_safetensors(out)
    _, base_meta = read_safetensors(MODEL)
    assert meta.get("personal_samples") == "30", meta
    assert re.fullmatch(r"[0-9a-f]{64}", meta.get("personal_base", "")), meta
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta.get("personal_created", "")), meta
    assert meta.get("personal_anchor", "").count(" ") == 1, meta
    assert abs(float(meta["test_accuracy"]) * 100 - float(mnist.group(2))) < 0.006, meta
    assert meta.get("recipe") == base_meta.get("recipe"), "the base's recipe is kept"
    # only the output layer moved
    mine, base = weights(out), weights(MODEL)
    last = max(int(name.split(".")[1]) for name in base)
    assert mine.keys() == base.keys()
    for name in base:
        moved = mine[name] != base[name]
        assert moved == name.startswith("layers.%d." % last), "%s moved: %s" % (name, moved)
    STATE["personal"] = out
    STATE["samples"] = samples



@case("the same seed → the same weights (MNIST from DIGITPAD_MNIST_DIR); another → others")
def _():
    need_mnist()
    if "personal" not in STATE:
        raise AssertionError("needs the personal model of the case before")
    again = os.path.join(TMP, "again.safetensors")
    other = os.path.join(TMP, "other.safetensors")
    expect_status(cli_env({"DIGITPAD_MNIST_DIR": MNIST}, "personalize", MODEL, "--samples",
                          STATE["samples"], "--out", again), 0)
    expect_status(cli("personalize", MODEL, "--samples", STATE["samples"], "--out", other,
                      "--data", MNIST, "--seed", 5, timeout=300), 0)
    assert weights(again) == weights(STATE["personal"])
    assert weights(other) != weights(STATE["personal"])


@case("drawings labelled as the next digit → refused: exit 1, the report, --out untouched")
def _():
    need_mnist()
    samples = write_samples(os.path.join(TMP, "wrong.ndjson"), copies=10, shift_label=1)
    out = os.path.join(TMP, "kept.safetensors")
    with open(out, "wb") as f:
        f.write(b"the previous model")
    p = personalize(samples, out, 1)
    assert re.search(r"^MNIST test: [\d.]+ % -> [\d.]+ %$", p.out, re.M), show(p)
    assert "would read MNIST at" in p.err and "kept the current model" in p.err, show(p)
    assert "nothing written to " + out in p.err, show(p)
    with open(out, "rb") as f:
        assert f.read() == b"the previous model", "--out was changed"
    assert sorted(os.listdir(TMP)).count("kept.safetensors") == 1
    assert not [n for n in os.listdir(TMP) if "digitpad-tmp" in n], os.listdir(TMP)


def main():
    test_cli.ORDER = test_cli.CASES[FIRST_CASE:]
    return test_cli.main()  # which also removes TMP


if __name__ == "__main__":
    sys.exit(main())
