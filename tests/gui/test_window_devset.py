#!/usr/bin/python3
"""test_window_devset.py: the development set through the window (issue 12 item 4, "through
images and through the window alike"). A fixed sample of another writer's drawings
(tests/devset/lead-hand.py, written here into a temporary folder: 30 digits and 20 non-digits,
spread evenly over its styles) is replayed into the Draw page as real pointer drags, one drawing
at a time on a cleared pad, and the app's answer for the whole drawing is read from its debug log.
`digitpad-cli predict --json MODEL --strokes FILE` answers the same records. The pad scales the
drawing to its own size and the pointer lands on whole pixels, so the 28×28 images differ a
little: the two must agree on every drawing but at most MAX_DISAGREE, and a disagreement is only
allowed where the CLI's confidence is below LOW_CONFIDENCE, or, where one refuses and the other
does not, where the CLI's p(not a digit) is within NEAR_THRESHOLD of the model's refusal
threshold. Every disagreement is printed, and the
accuracy through the window and through the CLI.

The model: the built-in one (weights/digitpad-default.safetensors; 10 outputs or 11), or
$DIGITPAD_DEVSET_MODEL. With 10 outputs the non-digits get a digit in both front ends, and they
must still agree on which.

Prints TAP. Env: DIGITPAD_APP (the built app), DIGITPAD_CLI (the built CLI), DIGITPAD_SOURCE_DIR.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from guitest import Session, Tap  # noqa: E402

SOURCE = os.environ.get("DIGITPAD_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
MODEL = os.environ.get("DIGITPAD_DEVSET_MODEL") or os.path.join(
    SOURCE, "weights", "digitpad-default.safetensors")
CLI = os.environ.get("DIGITPAD_CLI") or os.path.join(SOURCE, "build", "src", "cli", "digitpad-cli")
N_DIGITS, N_NEGATIVES = 30, 20
MAX_DISAGREE = 2
LOW_CONFIDENCE = 0.75
# the answer for the whole drawing: the prediction after its last stroke
PRED = (r"prediction #\d+: digit=(\d|none)(?: closest=\d)? confidence=([0-9.]+) .*"
        r"trigger=stroke-end strokes=%d .*?(?: not_a_digit=([0-9.]+))?$")
# a refusal flip is allowed where p(not a digit) is this close to the model's threshold
NEAR_THRESHOLD = 0.03


def sample(path, n):
    """n records spread evenly over the file, in its order"""
    with open(path) as f:
        records = [json.loads(l) for l in f if l.strip()]
    return [records[i * len(records) // n] for i in range(n)]


def refuse_threshold(model):
    """the model's refusal threshold (metadata refuse_threshold), or None"""
    with open(model, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        meta = json.loads(f.read(n)).get("__metadata__", {})
    value = meta.get("refuse_threshold")
    return float(value) if value is not None else None


def cli_answers(model, path):
    """{id: (digit or None, confidence, p(not a digit) or None)} from predict --json --strokes"""
    p = subprocess.run([CLI, "predict", "--json", model, "--strokes", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("predict --strokes failed (%d): %s" % (p.returncode, p.stderr.decode()))
    out = {}
    for line in p.stdout.decode().splitlines():
        o = json.loads(line)
        out[o["id"]] = (o["digit"], o["confidence"], o.get("not_a_digit"))
    return out


def replay(s, record):
    """record's strokes as drags on a cleared pad; the app's (digit or None, confidence,
    p(not a digit) or None)"""
    m = s.mark()
    s.key("Delete")
    s.wait_for(r"cleared", since=m, timeout=3)
    w, h = record.get("canvas", (400, 400))
    scale = s.layout()["pad"][2] / max(w, h)
    px, py, _ = s.layout()["pad"]
    m = s.mark()
    for stroke in record["strokes"]:
        s.drag([(px + p[0] * scale, py + p[1] * scale) for p in stroke], step=5.0, delay_ms=2)
    got = s.wait_for(PRED % len(record["strokes"]), since=m, timeout=10)
    if got is None:
        return None
    return (None if got.group(1) == "none" else int(got.group(1)), float(got.group(2)),
            float(got.group(3)) if got.group(3) else None)


def label(record):
    return record.get("label")  # None: not a digit


def main():
    tap = Tap()
    if not os.path.exists(CLI):
        tap.bail("no CLI at %s (DIGITPAD_CLI)" % CLI)
    work = tempfile.mkdtemp(prefix="digitpad-gui-devset-")
    try:
        subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "tests", "devset", "lead-hand.py"),
                        work, "2"], check=True, timeout=60, stdout=subprocess.DEVNULL)
        records = (sample(os.path.join(work, "lead-digits.ndjson"), N_DIGITS)
                   + sample(os.path.join(work, "lead-negatives.ndjson"), N_NEGATIVES))
        path = os.path.join(work, "sample.ndjson")
        with open(path, "w") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
        cli = cli_answers(MODEL, path)
        threshold = refuse_threshold(MODEL)
        tap.ok(len(cli) == len(records), "the CLI answers all %d drawings" % len(records))

        with Session(args=[MODEL]) as s:
            tap.ok(s.wait_for(r"model loaded: ", since=0, timeout=10) is not None,
                   "the app loads %s" % os.path.basename(MODEL), s.log_text())
            # the window grows when the first result shows, and the pad with it: a first
            # drawing, so that the pad stays put while the sample is drawn
            replay(s, records[0])
            s.wait_idle()
            window, missing, disagree, bad = {}, [], [], []
            for r in records:
                got = replay(s, r)
                if got is None:
                    missing.append(r["id"])
                    continue
                window[r["id"]] = got
                want = cli.get(r["id"])
                if want is not None and got[0] != want[0]:
                    disagree.append(r["id"])
                    line = ("%s (label %s): window %s (%.3f), CLI %s (%.3f)"
                            % (r["id"], label(r), got[0], got[1], want[0], want[1]))
                    # one side refuses and the other does not: p(not a digit) at the threshold
                    at_threshold = ((got[0] is None) != (want[0] is None) and threshold is not None
                                    and abs(want[2] - threshold) < NEAR_THRESHOLD)
                    if want[2] is not None:
                        line += ", p(not a digit) window %.4f, CLI %.4f, threshold %s" % (
                            got[2] if got[2] is not None else float("nan"), want[2], threshold)
                    tap.diag("disagreement: " + line)
                    if want[1] >= LOW_CONFIDENCE and not at_threshold:
                        bad.append(line)
            tap.ok(not missing, "the app answers every drawing as a whole",
                   "no answer for: " + ", ".join(missing) + "\n" + s.log_text()[-3000:])
            both = [r for r in records if r["id"] in window and r["id"] in cli]
            tap.ok(len(disagree) <= MAX_DISAGREE and not bad,
                   "window and CLI agree on %d of %d drawings (at most %d disagreements, "
                   "each where the CLI's confidence is below %.2f or its p(not a digit) within "
                   "%.2f of the refusal threshold)"
                   % (len(both) - len(disagree), len(both), MAX_DISAGREE, LOW_CONFIDENCE,
                      NEAR_THRESHOLD),
                   "confident disagreements:\n" + "\n".join(bad))
            same = [r for r in both if window[r["id"]][0] == cli[r["id"]][0]]
            if same:
                gap = max(abs(window[r["id"]][1] - cli[r["id"]][1]) for r in same)
                tap.diag("largest confidence gap where they agree: %.4f" % gap)
            for name, part in (("digits", [r for r in both if label(r) is not None]),
                               ("non-digits", [r for r in both if label(r) is None])):
                if not part:
                    continue
                w = sum(window[r["id"]][0] == label(r) for r in part)
                c = sum(cli[r["id"]][0] == label(r) for r in part)
                what = "right" if name == "digits" else "refused"
                tap.diag("%s: %s through the window %d of %d (%.1f %%), through the CLI %d of %d "
                         "(%.1f %%)" % (name, what, w, len(part), 100.0 * w / len(part), c,
                                        len(part), 100.0 * c / len(part)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
