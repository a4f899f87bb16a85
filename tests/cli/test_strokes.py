#!/usr/bin/python3
"""test_strokes.py: digitpad-cli predict --strokes and eval --strokes on strokes files (one JSON
record a line) that this test writes from the hand-drawn fixtures of tests/fixtures/strokes/:
records named by id or FILE:LINE, JSON output with line and id, bad lines named by their line
number while the others still print, the same drawing in any unit giving the same answer, eval's
counts and an accuracy that agrees with predict record by record, and bad files (missing, a
directory, a FIFO, binary, too large) failing by name without a hang.

Prints TAP. Standard library only (/usr/bin/python3). The CLI comes from $DIGITPAD_CLI; the model
is the built-in one (weights/digitpad-default.safetensors). No MNIST needed.
"""

import glob
import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# the CLI, its scratch folder, and how a run is made and shown: as test_cli.py has them
import test_cli  # noqa: E402
import test_refuse  # noqa: E402  (its hand-written 11-output model; its cases are not ours)
from test_cli import SOURCE_DIR, TMP, cli, expect_status, show  # noqa: E402

MODEL = os.path.join(SOURCE_DIR, "weights", "digitpad-default.safetensors")
FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures", "strokes")


def fixtures():
    """[(digit, style, strokes)] with strokes as lists of (x, y) in 0..1 of a square canvas"""
    out = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, "digit-*.txt"))):
        name = os.path.basename(path)[:-4]
        strokes = []
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    strokes.append([tuple(float(v) for v in p.split(",")) for p in line.split()])
        out.append((int(name[6]), name[8:], strokes))
    assert len(out) >= 30, "fixtures missing in %s" % FIXTURES
    return out


def record(strokes, scale=280.0, dx=0.0, dy=0.0, **extra):
    rec = {"strokes": [[[round(x * scale + dx, 3), round(y * scale + dy, 3)] for x, y in s]
                       for s in strokes]}
    rec.update(extra)
    return json.dumps(rec)


def write(name, lines):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


FIRST_CASE = len(test_cli.CASES)  # test_cli's own cases come before; ours are the ones added here
case = test_cli.case


@case("predict --strokes: one answer a record, named FILE:LINE [ID]")
def _():
    fx = fixtures()[:6]
    lines = [record(s, id="%d-%s" % (d, style)) if i % 2 else record(s, canvas=[280, 280])
             for i, (d, style, s) in enumerate(fx)]
    path = write("named.ndjson", lines)
    p = cli("predict", MODEL, "--strokes", path)
    expect_status(p, 0)
    heads = [l for l in p.out.splitlines() if not l.startswith(" ")]
    assert len(heads) == len(fx), show(p)
    for i, (d, style, _s) in enumerate(fx):
        name = "%s:%d" % (path, i + 1) + (" [%d-%s]" % (d, style) if i % 2 else "")
        assert re.match(r"^%s: (\d|not a digit) \(\d+\.\d\d %%\)$" % re.escape(name), heads[i]), \
            "line %d: %r\n%s" % (i, heads[i], show(p))
    assert p.err == "", show(p)


@case("predict --strokes --json: file, line, id, digit, probabilities; blank lines counted")
def _():
    fx = fixtures()[:4]
    lines = [record(fx[0][2], id="first"), "", "   ", record(fx[1][2]),
             record(fx[2][2], id="é \"quoted\""), "", record(fx[3][2], label=None)]
    path = write("json.ndjson", lines)
    p = cli("predict", "--json", MODEL, "--strokes", path)
    expect_status(p, 0)
    objs = [json.loads(l) for l in p.out.splitlines()]
    assert [o["line"] for o in objs] == [1, 4, 5, 7], show(p)
    assert [o["id"] for o in objs] == ["first", None, "é \"quoted\"", None], show(p)
    for o in objs:
        assert o["file"] == path, o
        assert len(o["probabilities"]) >= 10 and abs(sum(o["probabilities"]) - 1) < 1e-3, o
        assert o["digit"] is None or 0 <= o["digit"] <= 9, o


@case("predict --strokes: bad lines named with their numbers, the others still print, exit 1")
def _():
    fx = fixtures()
    lines = [record(fx[0][2], id="a"),
             '{"strokes": [[[0, 0], [1]]]}',                  # 2
             record(fx[5][2], id="b"),
             '{"strokes": [[[0, 0]]], "label": 12}',          # 4
             "",
             "this is not JSON",                              # 6
             record(fx[9][2], id="c"),
             '{"id": "no strokes"}',                          # 8
             record(fx[12][2], id="d")[:60]]                  # 9: torn, as after a crash
    path = write("bad-lines.ndjson", lines)
    p = cli("predict", "--json", MODEL, "--strokes", path)
    expect_status(p, 1)
    assert [json.loads(l)["id"] for l in p.out.splitlines()] == ["a", "b", "c"], show(p)
    expected = {2: "point 2 of stroke 1 is not [x, y] or [x, y, pressure]",
                4: "label must be 0–9 or null",
                6: "not valid JSON",
                8: "'strokes' is missing",
                9: "not valid JSON"}
    err = p.err.splitlines()
    assert len(err) == len(expected), show(p)
    for (line, message), got in zip(sorted(expected.items()), err):
        prefix = "digitpad-cli: %s:%d: %s" % (path, line, message)
        assert got.startswith(prefix), "expected %r, got %r" % (prefix, got)


@case("predict --strokes: the same drawing in mm, in px, with or without a canvas: one answer")
def _():
    for d, style, s in fixtures()[::4]:
        lines = [record(s, 63.5, canvas=[63.5, 63.5]),           # millimetres on a square
                 record(s, 400, 1000, -250),                      # pixels, no canvas, moved
                 record(s, 400, 100, 0, canvas=[600, 400]),       # a wide canvas
                 record(s, 1)]                                    # 0..1 units
        path = write("units.ndjson", lines)
        p = cli("predict", "--json", MODEL, "--strokes", path)
        expect_status(p, 0)
        objs = [json.loads(l) for l in p.out.splitlines()]
        assert len(objs) == 4, show(p)
        for o in objs[1:]:
            assert o["digit"] == objs[0]["digit"], "%d-%s: %s" % (d, style, show(p))
            worst = max(abs(a - b) for a, b in zip(o["probabilities"], objs[0]["probabilities"]))
            assert worst < 0.02, "%d-%s: probabilities differ by %g\n%s" % (d, style, worst, show(p))


def eval_counts(out):
    m = re.search(r"^records: (\d+), evaluated: (\d+), skipped: (\d+) unlabelled, (\d+) bad", out, re.M)
    assert m, "no counts line:\n" + out
    acc = re.search(r"^accuracy: (\d+\.\d\d) %$", out, re.M)
    assert acc, "no accuracy line:\n" + out
    return tuple(int(v) for v in m.groups()), float(acc.group(1))


@case("eval --strokes: counts, and an accuracy that agrees with predict record by record")
def _():
    fx = fixtures()
    lines = []
    for i, (d, style, s) in enumerate(fx):
        # every fifth label wrong on purpose, so the accuracy is not trivially 100 %
        label = (d + 1) % 10 if i % 5 == 0 else d
        lines.append(record(s, 50 + i, i, 2 * i, label=label, id="%d-%s" % (d, style)))
    lines.insert(3, record(fx[3][2]))              # unlabelled
    lines.insert(7, record(fx[7][2]))              # unlabelled
    lines.insert(10, "")                           # blank: not a record
    labelled_path = write("labelled.ndjson", lines)
    p = cli("eval", MODEL, "--strokes", labelled_path)
    expect_status(p, 0)
    (records, evaluated, unlabelled, bad), accuracy = eval_counts(p.out)
    assert (records, evaluated, unlabelled, bad) == (len(fx) + 2, len(fx), 2, 0), show(p)
    assert labelled_path in p.out.splitlines()[0], show(p)

    q = cli("predict", "--json", MODEL, "--strokes", labelled_path)
    expect_status(q, 0)
    answers = {json.loads(l)["line"]: json.loads(l)["digit"] for l in q.out.splitlines()}
    right = 0
    for n, line in enumerate(lines, 1):
        if line and "label" in json.loads(line):
            right += answers[n] == json.loads(line)["label"]
    assert abs(accuracy - 100.0 * right / len(fx)) < 0.006, \
        "eval says %.2f %%, predict %d of %d\n%s" % (accuracy, right, len(fx), show(p))
    assert accuracy <= 100.0 * (len(fx) - len(fx[::5])) / len(fx) + 0.006, show(p)

    # a bad line: reported by number, counted, the rest evaluated, exit 1
    bad_path = write("labelled-bad.ndjson", lines + ['{"strokes": [[[0, 0], [1, 2, 3, 4]]], "label": 3}'])
    p = cli("eval", MODEL, "--strokes", bad_path)
    expect_status(p, 1)
    (records, evaluated, unlabelled, bad), accuracy2 = eval_counts(p.out)
    assert (records, evaluated, unlabelled, bad) == (len(fx) + 3, len(fx), 2, 1), show(p)
    assert accuracy2 == accuracy, show(p)
    assert "%s:%d: point 2 of stroke 1 is not [x, y] or [x, y, pressure]" % (bad_path, len(lines) + 1) \
        in p.err, show(p)


@case("eval --strokes: nothing labelled → exit 1 naming the file; --data with --strokes → usage")
def _():
    fx = fixtures()
    path = write("unlabelled.ndjson", [record(s) for _d, _st, s in fx[:3]])
    p = cli("eval", MODEL, "--strokes", path)
    expect_status(p, 1)
    assert "digitpad-cli: %s: nothing to evaluate" % path in p.err, show(p)
    assert p.out == "", show(p)
    p = cli("eval", MODEL, "--strokes", path, "--data", TMP)
    expect_status(p, 2)
    assert "--help" in p.err and p.out == "", show(p)


@case("bad strokes files: missing, a directory, a FIFO, empty, binary, too large → exit 1 by name")
def _():
    fx = fixtures()
    good = write("good.ndjson", [record(fx[0][2])])
    missing = os.path.join(TMP, "missing.ndjson")
    directory = os.path.join(TMP, "a-folder.ndjson")
    os.mkdir(directory)
    fifo = os.path.join(TMP, "fifo.ndjson")
    os.mkfifo(fifo)
    binary = os.path.join(TMP, "picture.ndjson")
    with open(binary, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    empty = write("empty.ndjson", ["", "  "])
    huge = os.path.join(TMP, "huge.ndjson")
    with open(huge, "wb") as f:
        f.truncate(300 << 20)  # sparse: no disk used
    for bad, message in ((missing, "cannot open"), (directory, "is a directory"),
                         (fifo, None), (empty, "no strokes record"), (binary, "not a strokes file"), (huge, "too large")):
        for command in ("predict", "eval"):
            t0 = time.monotonic()
            p = cli(command, MODEL, "--strokes", bad, timeout=60)
            expect_status(p, 1)
            lines = p.err.splitlines()
            assert len(lines) == 1 and lines[0].startswith("digitpad-cli: %s" % bad), show(p)
            if message:
                assert message in lines[0], show(p)
            assert p.out == "", show(p)
            assert time.monotonic() - t0 < 30, "%s took %.0f s" % (bad, time.monotonic() - t0)
    # the good file beside a bad one still prints
    p = cli("predict", "--json", MODEL, "--strokes", binary, "--strokes", good)
    expect_status(p, 1)
    assert [json.loads(l)["line"] for l in p.out.splitlines()] == [1], show(p)


@case("predict/eval --strokes with a model that can refuse: label null is \"not a digit\"")
def _():
    model = test_refuse.write_model(os.path.join(TMP, "refuse.safetensors"))
    thin = [[(0.5, 0.2), (0.5, 0.8)]]
    # a dense scribble: much ink, which the hand-written model reads as a 3
    blob = [[(0.2 + 0.6 * (i % 2), 0.2 + 0.6 * i / 40) for i in range(41)],
            [(0.2 + 0.6 * i / 40, 0.2 + 0.6 * (i % 2)) for i in range(41)]]
    lines = [record(thin, label=None, id="thin-null"), record(blob, label=3, id="blob-3"),
             record(thin, label=1, id="thin-1"), record(blob, label=None, id="blob-null"),
             record(thin, label=None), record(blob)]
    path = write("refuse.ndjson", lines)
    q = cli("predict", "--json", model, "--strokes", path)
    expect_status(q, 0)
    objs = [json.loads(l) for l in q.out.splitlines()]
    assert [o["line"] for o in objs] == [1, 2, 3, 4, 5, 6], show(q)
    assert objs[0]["digit"] is None and objs[1]["digit"] == 3, show(q)
    assert all(len(o["probabilities"]) == 11 and "closest_digit" in o for o in objs), show(q)
    p = cli("eval", model, "--strokes", path)
    expect_status(p, 0)
    (records, evaluated, unlabelled, bad), accuracy = eval_counts(p.out)
    assert (records, evaluated, unlabelled, bad) == (6, 5, 1, 0), show(p)
    right = sum(1 for o, l in zip(objs, lines) if "label" in json.loads(l)
                and o["digit"] == json.loads(l)["label"])
    assert abs(accuracy - 100.0 * right / 5) < 0.006, "%d of 5 right\n%s" % (right, show(p))
    assert re.search(r"^digits refused: 50\.00 % \(1 of 2\)$", p.out, re.M), show(p)
    assert "not a digit" in p.out and "calibration error" in p.out, show(p)

    # a 10-output model cannot answer "not a digit": those records are counted and skipped
    ten = test_refuse.write_model(os.path.join(TMP, "ten.safetensors"), n_outputs=10)
    p = cli("eval", ten, "--strokes", path)
    expect_status(p, 0)
    (records, evaluated, unlabelled, bad), _ = eval_counts(p.out)
    assert (records, evaluated, unlabelled, bad) == (6, 2, 1, 0), show(p)
    assert '3 labelled "not a digit" (this model has no such answer)' in p.out, show(p)


def main():
    test_cli.ORDER = test_cli.CASES[FIRST_CASE:]
    try:
        return test_cli.main()  # which also removes TMP
    finally:
        shutil.rmtree(test_refuse.TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
