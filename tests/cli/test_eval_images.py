#!/usr/bin/python3
"""test_eval_images.py: digitpad-cli eval MODEL --images FILE --labels FILE, an IDX pair (gzipped
or raw) with labels 0-10 such as synth --dev's held-out fonts: the same report as --data on the
same images (the hand-written 11-output model of refuse_model.py); "not a digit" labels counted
right when refused and, for a 10-output model, counted and skipped; a label above 10, a missing
file and a half-given pair are refused by name or with a usage hint.

Prints TAP. Standard library only (/usr/bin/python3). The CLI comes from $DIGITPAD_CLI.
"""

import gzip
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_cli  # noqa: E402
import test_refuse  # noqa: E402  (its hand-written 11-output model and IDX writer; not its cases)
from test_cli import TMP, cli, expect_file_error, expect_status, expect_usage_error, show  # noqa: E402
from test_refuse import picture, write_idx  # noqa: E402

FIRST_CASE = len(test_cli.CASES)
case = test_cli.case

# much ink reads as a 3, little ink as "not a digit" (refuse_model.py)
INKS = [400, 380, 30, 400, 25, 420]  # the last: a "not a digit" read as a 3
LABELS = [3, 3, 3, 5, 10, 10]


def pair(name, inks=INKS, labels=LABELS, gz=False):
    """the IDX pair NAME/t10k-{images-idx3,labels-idx1}-ubyte[.gz]: (folder, images, labels)"""
    d = os.path.join(TMP, name)
    os.mkdir(d)
    write_idx(d, [picture(n) for n in inks], labels)
    images = os.path.join(d, "t10k-images-idx3-ubyte")
    labels_path = os.path.join(d, "t10k-labels-idx1-ubyte")
    if gz:
        for path in (images, labels_path):
            with open(path, "rb") as f, gzip.open(path + ".gz", "wb") as g:
                g.write(f.read())
            os.remove(path)
        images, labels_path = images + ".gz", labels_path + ".gz"
    return d, images, labels_path


def body(out):
    """the report without its first line (which names what was evaluated) and the counts line"""
    return [l for l in out.splitlines()[1:] if not l.startswith("images: ")]


@case("eval --images --labels: the same report as --data on the same images (gz or raw)")
def _():
    model = test_refuse.write_model(os.path.join(TMP, "refuse.safetensors"),
                                    meta={"temperature": "1.5"})
    # --data reads MNIST (labels 0-9): the digits only
    d, images, labels = pair("raw", INKS[:4], LABELS[:4])
    by_dir = cli("eval", model, "--data", d)
    expect_status(by_dir, 0)
    for gz in (False, True):
        if gz:
            _, images, labels = pair("gz", INKS[:4], LABELS[:4], gz=True)
        p = cli("eval", model, "--images", images, "--labels", labels)
        expect_status(p, 0)
        assert p.out.splitlines()[0].endswith("on the images %s" % images), show(p)
        assert re.search(r"^images: 4, evaluated: 4$", p.out, re.M), show(p)
        assert body(p.out) == body(by_dir.out), show(p) + "\n--- --data:\n" + by_dir.out


@case("eval --images: 'not a digit' labels (10) are right when refused")
def _():
    model = test_refuse.write_model(os.path.join(TMP, "refuse-mix.safetensors"))
    _, images, labels = pair("mix", gz=True)
    p = cli("eval", model, "--images", images, "--labels", labels)
    expect_status(p, 0)
    assert re.search(r"^images: 6, evaluated: 6$", p.out, re.M), show(p)
    # two 3s right, a thin 3 refused, the 5 read as 3, the thin "not a digit" refused (right),
    # the inky one read as 3 (wrong): 3 of 6
    assert re.search(r"^accuracy: 50\.00 %$", p.out, re.M), show(p)
    assert re.search(r"^digits refused: 25\.00 % \(1 of 4\)$", p.out, re.M), show(p)
    assert re.search(r"^accuracy, a refusal counted as wrong: 50\.00 %$", p.out, re.M), show(p)
    assert re.search(r"^ +none +0 +0 +0 +1 +0 +0 +0 +0 +0 +0 +1$", p.out, re.M), show(p)


@case("eval --images, 10 outputs: the 'not a digit' images counted and skipped")
def _():
    ten = test_refuse.write_model(os.path.join(TMP, "ten.safetensors"), n_outputs=10)
    _, images, labels = pair("ten")
    p = cli("eval", ten, "--images", images, "--labels", labels)
    expect_status(p, 0)
    assert re.search(r'^images: 6, evaluated: 4, skipped: 2 labelled "not a digit" \(this model '
                     r'has no such answer\)$', p.out, re.M), show(p)
    # the 10-output model reads every image as a 3: three of the four digits
    assert re.search(r"^accuracy: 75\.00 %$", p.out, re.M), show(p)
    assert "refused" not in p.out, show(p)
    _, images, labels = pair("ten-none", inks=[30, 40], labels=[10, 10])
    p = cli("eval", ten, "--images", images, "--labels", labels)
    expect_file_error(p, "t10k-images-idx3-ubyte")
    assert "nothing to evaluate" in p.err, show(p)


@case("eval --images: a label above 10 and a missing file named; a half pair is a usage error")
def _():
    model = test_refuse.write_model(os.path.join(TMP, "refuse-bad.safetensors"))
    d, images, labels = pair("bad-label", inks=[400, 30], labels=[3, 11])
    p = cli("eval", model, "--images", images, "--labels", labels)
    expect_file_error(p, "t10k-labels-idx1-ubyte")
    assert "11" in p.err and p.out == "", show(p)
    p = cli("eval", model, "--images", os.path.join(d, "missing-idx3-ubyte"), "--labels", labels)
    expect_file_error(p, "missing-idx3-ubyte")
    expect_usage_error("eval", model, "--images", images)
    expect_usage_error("eval", model, "--labels", labels)
    expect_usage_error("eval", model, "--images", images, "--labels", labels, "--data", d)
    expect_usage_error("eval", model, "--images", images, "--labels", labels, "--train-set")


def main():
    test_cli.ORDER = test_cli.CASES[FIRST_CASE:]
    return test_cli.main()  # which also removes TMP (test_refuse's scratch folder is the same)


if __name__ == "__main__":
    sys.exit(main())
