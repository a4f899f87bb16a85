#!/usr/bin/python3
"""test_refuse.py: the "not a digit" answer through digitpad-cli. A model with an eleventh output
(written by hand, refuse_model.py: one softmax layer whose digit 3 grows with the amount of ink,
against a "not a digit" output fixed at 0) answers `predict` with "digit": null and the closest digit for
a thin stroke, and 3 for a filled block; a 10-output model prints as it always did; the
calibration temperature divides the logits; a bad temperature is refused by name; `eval` on a
small IDX set written here prints the share of digits refused, the accuracy with refusals
counted as wrong and the expected calibration error, all checked against the same model's
arithmetic done here in double.

Prints TAP. Standard library only (run with Debian's /usr/bin/python3); the helpers come from
test_cli.py. The CLI comes from $DIGITPAD_CLI.
"""

import json
import math
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_cli as base  # noqa: E402
from test_cli import cli, draw, expect_file_error, expect_status, show, write_png  # noqa: E402
from refuse_model import model_probs, write_model  # noqa: E402

TMP = base.TMP  # test_cli's scratch folder: its runner removes it

def images(directory):
    """a thin ring (little ink: not a digit) and a filled block (much ink: a 3)"""
    thin = os.path.join(directory, "thin.png")
    write_png(thin, 64, 64, draw(64, 64, lambda x, y: 0.85 <= ((x - 32) / 24) ** 2
                                 + ((y - 32) / 24) ** 2 <= 1.0))
    block = os.path.join(directory, "block.png")
    write_png(block, 64, 64, draw(64, 64, lambda x, y: 12 <= x <= 52 and 12 <= y <= 52))
    return thin, block


FIRST_CASE = len(base.CASES)  # test_cli's own cases come before; ours are the ones added here
case = base.case


@case("predict --json, 11 outputs: digit null, not_a_digit, closest_digit, 11 probabilities")
def _():
    model = write_model(os.path.join(TMP, "refuse.safetensors"))
    thin, block = images(TMP)
    p = cli("predict", "--json", model, thin, block)
    expect_status(p, 0)
    lines = p.out.splitlines()
    assert len(lines) == 2, show(p)
    a, b = (json.loads(l) for l in lines)
    assert a["file"].endswith("thin.png"), a
    assert a["digit"] is None, a
    assert a["closest_digit"] == 3, a
    assert len(a["probabilities"]) == 11, a
    assert abs(sum(a["probabilities"]) - 1) < 1e-5, a
    assert a["not_a_digit"] == a["probabilities"][10] == a["confidence"], a
    assert a["not_a_digit"] > 0.5, a
    assert list(a) == ["file", "digit", "confidence", "not_a_digit", "closest_digit",
                       "probabilities"], list(a)
    assert b["digit"] == 3 and b["closest_digit"] == 3, b
    assert b["confidence"] == b["probabilities"][3] > 0.9, b
    assert b["not_a_digit"] == b["probabilities"][10], b


@case("predict text, 11 outputs: 'FILE: not a digit (NN %), closest digit D (NN %)'")
def _():
    model = write_model(os.path.join(TMP, "refuse.safetensors"))
    thin, block = images(TMP)
    j = [json.loads(l) for l in cli("predict", "--json", model, thin, block).out.splitlines()]
    p = cli("predict", model, thin, block)
    expect_status(p, 0)
    lines = p.out.splitlines()
    assert len(lines) == 4, show(p)
    m = re.fullmatch(r"(.*thin\.png): not a digit \((\d+\.\d\d) %\), closest digit 3 "
                     r"\((\d+\.\d\d) %\)", lines[0])
    assert m, show(p)
    assert abs(float(m.group(2)) - 100 * j[0]["not_a_digit"]) < 0.006, (m.group(2), j[0])
    assert abs(float(m.group(3)) - 100 * j[0]["probabilities"][3]) < 0.006, (m.group(3), j[0])
    assert re.fullmatch(r"  0: \d\.\d{4}( \d: \d\.\d{4}){9} not a digit: \d\.\d{4}", lines[1]), \
        show(p)
    assert re.fullmatch(r".*block\.png: 3 \(\d+\.\d\d %\)", lines[2]), show(p)


@case("predict, 10 outputs: the output it always had (no not_a_digit, no closest_digit)")
def _():
    model = write_model(os.path.join(TMP, "digits.safetensors"), n_outputs=10)
    thin, block = images(TMP)
    p = cli("predict", "--json", model, thin, block)
    expect_status(p, 0)
    for line in p.out.splitlines():
        o = json.loads(line)
        assert list(o) == ["file", "digit", "confidence", "probabilities"], o
        assert isinstance(o["digit"], int) and len(o["probabilities"]) == 10, o
    p = cli("predict", model, thin)
    expect_status(p, 0)
    assert re.fullmatch(r".*thin\.png: 3 \(\d+\.\d\d %\)\n  0: \d\.\d{4}( \d: \d\.\d{4}){9}\n",
                        p.out), show(p)


@case("predict: the temperature divides the logits (p_T ∝ p^(1/T)); the answer stays")
def _():
    plain = write_model(os.path.join(TMP, "plain.safetensors"))
    hot = write_model(os.path.join(TMP, "hot.safetensors"), meta={"temperature": "2.5"})
    thin, block = images(TMP)
    p1 = [json.loads(l) for l in cli("predict", "--json", plain, thin, block).out.splitlines()]
    p2 = [json.loads(l) for l in cli("predict", "--json", hot, thin, block).out.splitlines()]
    for a, b in zip(p1, p2):
        assert a["digit"] == b["digit"], (a, b)
        root = [v ** (1 / 2.5) for v in a["probabilities"]]
        for want, got in zip(root, b["probabilities"]):
            assert abs(want / sum(root) - got) < 1e-5, (a, b)
        assert b["confidence"] < a["confidence"], (a, b)


@case("predict: a model with a bad temperature is refused, naming the file")
def _():
    thin, _ = images(TMP)
    for bad in ("0", "-1", "warm", "1e9"):
        model = write_model(os.path.join(TMP, "bad-t.safetensors"), meta={"temperature": bad})
        p = cli("predict", model, thin)
        expect_file_error(p, "bad-t.safetensors")
        assert 'metadata "temperature" is "%s"' % bad in p.err, show(p)
        assert p.out == "", show(p)


@case("predict: 11 outputs without metadata refuse = class is refused, naming the file")
def _():
    thin, _ = images(TMP)
    model = write_model(os.path.join(TMP, "no-refuse.safetensors"))
    with open(model, "rb") as f:
        data = f.read()
    data = data.replace(b', "refuse": "class"', b' ' * len(b', "refuse": "class"'))
    with open(model, "wb") as f:
        f.write(data)
    p = cli("predict", model, thin)
    expect_file_error(p, "no-refuse.safetensors")
    assert 'no metadata "refuse"' in p.err, show(p)


def write_idx(directory, pictures, labels, prefix="t10k"):
    """PREFIX-images-idx3-ubyte and PREFIX-labels-idx1-ubyte (raw) holding these 28×28 pictures"""
    with open(os.path.join(directory, prefix + "-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, len(pictures), 28, 28))
        for pic in pictures:
            f.write(bytes(pic))
    with open(os.path.join(directory, prefix + "-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 0x801, len(labels)) + bytes(labels))


def picture(ink_pixels):
    """28×28 bytes with ink_pixels pixels at full ink"""
    return [255 if i < ink_pixels else 0 for i in range(784)]


def ece(confidences, rights, bins=15):
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(confidences) if (lo < c <= hi) or (b == 0 and c <= 0)]
        if idx:
            acc = sum(rights[i] for i in idx) / len(idx)
            conf = sum(confidences[i] for i in idx) / len(idx)
            total += len(idx) / len(confidences) * abs(acc - conf)
    return total


@case("eval, 11 outputs: digits refused, accuracy with refusals counted wrong, ECE")
def _():
    d = os.path.join(TMP, "idx")
    os.mkdir(d)
    # 3s with much ink (right), a 3 with little (refused), a 5 with much ink (read as 3: wrong)
    inks = [400, 380, 420, 30, 400]
    labels = [3, 3, 3, 3, 5]
    write_idx(d, [picture(n) for n in inks], labels)
    model = write_model(os.path.join(TMP, "refuse.safetensors"), meta={"temperature": "1.5"})
    p = cli("eval", model, "--data", d)
    expect_status(p, 0)
    assert re.search(r"^accuracy: 60\.00 %$", p.out, re.M), show(p)
    assert re.search(r"^digits refused: 20\.00 % \(1 of 5\)$", p.out, re.M), show(p)
    assert re.search(r"^accuracy, a refusal counted as wrong: 60\.00 %$", p.out, re.M), show(p)
    # the confusion matrix has the "none" row and column
    assert re.search(r"^true\\pred +0 .* 9 +none$", p.out, re.M), show(p)
    m = re.search(r"^calibration error \(ECE, 15 bins\): (\d\.\d{4})$", p.out, re.M)
    assert m, show(p)
    confidences, rights = [], []
    for ink, label in zip(inks, labels):
        probs = model_probs(ink, 1.5)
        best = max(range(11), key=lambda k: probs[k])
        confidences.append(probs[best])
        rights.append(best == label)
    want = ece(confidences, rights)
    assert abs(float(m.group(1)) - want) < 1e-4, (m.group(1), want, show(p))


@case("eval, 10 outputs: no refusal lines, the ECE line")
def _():
    d = os.path.join(TMP, "idx10")
    os.mkdir(d)
    write_idx(d, [picture(400), picture(30)], [3, 3])
    model = write_model(os.path.join(TMP, "digits.safetensors"), n_outputs=10)
    p = cli("eval", model, "--data", d)
    expect_status(p, 0)
    assert "refused" not in p.out and "none" not in p.out, show(p)
    assert re.search(r"^accuracy: 100\.00 %$", p.out, re.M), show(p)
    assert re.search(r"^calibration error \(ECE, 15 bins\): \d\.\d{4}$", p.out, re.M), show(p)


def write_strokes(path, records):
    """a strokes file: one JSON object a line"""
    with open(path, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    return path


RING = [[[50 + 30 * math.cos(a / 40 * 2 * math.pi), 50 + 30 * math.sin(a / 40 * 2 * math.pi)]
         for a in range(41)]]
SQUARE = [[[20, 20 + 60 * i / 15], [80, 20 + 60 * i / 15]] for i in range(16)]


@case("eval --negatives: the share of a strokes file's drawings answered 'not a digit'")
def _():
    d = os.path.join(TMP, "idx-neg")
    os.mkdir(d)
    write_idx(d, [picture(400)], [3])
    model = write_model(os.path.join(TMP, "refuse.safetensors"))
    negatives = write_strokes(os.path.join(TMP, "negatives.ndjson"), [
        {"strokes": RING, "label": None, "id": "ring"},
        {"strokes": SQUARE, "id": "square"},       # a negative whatever its label says
        {"strokes": RING, "label": 7, "id": "ring-labelled-7"},
    ])
    p = cli("eval", model, "--data", d, "--negatives", negatives)
    expect_status(p, 0)
    assert re.search(r"^negatives refused: 66\.67 % \(2 of 3\)$", p.out, re.M), show(p)
    # the lines come in their order, the ECE last
    lines = [l.split(":")[0] for l in p.out.splitlines() if ":" in l][-4:]
    assert lines == ["digits refused", "accuracy, a refusal counted as wrong", "negatives refused",
                     "calibration error (ECE, 15 bins)"], show(p)


@case("eval --negatives: bad lines named on stderr, the rest counted, exit 1")
def _():
    d = os.path.join(TMP, "idx-neg2")
    os.mkdir(d)
    write_idx(d, [picture(400)], [3])
    model = write_model(os.path.join(TMP, "refuse.safetensors"))
    negatives = os.path.join(TMP, "bad-negatives.ndjson")
    with open(negatives, "w") as f:
        f.write(json.dumps({"strokes": RING}) + "\n")
        f.write("{not json\n")
        f.write(json.dumps({"strokes": SQUARE}) + "\n")
    p = cli("eval", model, "--data", d, "--negatives", negatives)
    expect_status(p, 1)
    assert re.search(r"^negatives refused: 50\.00 % \(1 of 2\)$", p.out, re.M), show(p)
    assert "bad-negatives.ndjson:2" in p.err, show(p)
    # a file that is not there: exit 1 naming it
    p = cli("eval", model, "--data", d, "--negatives", os.path.join(TMP, "missing.ndjson"))
    expect_file_error(p, "missing.ndjson")


@case("eval --negatives with a 10-output model: it cannot refuse, and says so")
def _():
    d = os.path.join(TMP, "idx-neg3")
    os.mkdir(d)
    write_idx(d, [picture(400)], [3])
    model = write_model(os.path.join(TMP, "digits.safetensors"), n_outputs=10)
    negatives = write_strokes(os.path.join(TMP, "n.ndjson"), [{"strokes": RING}])
    p = cli("eval", model, "--data", d, "--negatives", negatives)
    expect_file_error(p, "digits.safetensors")
    assert "cannot" in p.err or "needs a model that can say" in p.err, show(p)
    assert p.out == "", show(p)


def block_picture(label):
    """class c lights a 6×6 block at its own place"""
    pic = [0] * 784
    r0, c0 = 2 + (label // 5) * 12, 2 + (label % 5) * 5
    for r in range(r0, r0 + 6):
        for c in range(c0, c0 + 4):
            pic[r * 28 + c] = 255
    return pic


@case("train --holdout: the temperature is fitted and kept in the model; said on stdout")
def _():
    d = os.path.join(TMP, "blocks")
    os.mkdir(d)
    labels = [i % 10 for i in range(400)]
    write_idx(d, [block_picture(l) for l in labels], labels, "train")
    write_idx(d, [block_picture(l) for l in labels[:50]], labels[:50], "t10k")
    out = os.path.join(TMP, "held.safetensors")
    p = cli("train", "--preset", "quick", "--epochs", 1, "--seed", 3, "--threads", 1,
            "--holdout", 100, "--data", d, "--out", out)
    expect_status(p, 0)
    m = re.search(r"^calibration: temperature (\d+\.\d{4}) fitted on 100 held-out images, their "
                  r"calibration error \(ECE\) (\d\.\d{4}) before, (\d\.\d{4}) after$", p.out, re.M)
    assert m, show(p)
    _, meta = base.read_safetensors(out)
    assert meta["temperature"] == m.group(1), meta
    assert meta["calibration_holdout"] == "100", meta
    assert meta["calibration_ece_before"] == m.group(2), meta
    assert meta["calibration_ece"] == m.group(3), meta
    assert "100 held out for calibration" in meta["recipe"], meta
    assert "refuse" not in meta, meta  # 10 outputs
    # too large a hold-out names the option
    p = cli("train", "--preset", "quick", "--epochs", 1, "--holdout", 400, "--data", d,
            "--out", os.path.join(TMP, "none.safetensors"))
    assert p.returncode != 0 and "'holdout'" in p.err, show(p)
    assert not os.path.exists(os.path.join(TMP, "none.safetensors")), show(p)


def main():
    # test_cli's runner (TAP, every failure reported, its scratch folder removed) over these cases
    base.ORDER = base.CASES[FIRST_CASE:]
    return base.main()


if __name__ == "__main__":
    sys.exit(main())
