#!/usr/bin/python3
"""test_refuse.py: the Draw page's "Not a digit" answer, through the real window under Xvfb.

The app starts with a model that can refuse (written by hand, tests/cli/refuse_model.py: its
digit 3 grows with the amount of ink, against a "not a digit" output at 0) given on the command
line. A thin ring drawn with the pointer is answered "Not a Digit" with the closest digit as a
hint and an eleventh bar; a densely filled square is a 3, with the eleventh bar still there; the
built-in model (10 outputs) goes back to ten bars and never refuses.

Env: DIGITPAD_APP (the built app), DIGITPAD_SOURCE_DIR (the source tree),
DIGITPAD_SCREENSHOT_DIR (optional: keep screenshots there).
"""
import math
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "cli"))
from guitest import Session, Tap  # noqa: E402
from refuse_model import write_model  # noqa: E402

SHOTS = os.environ.get("DIGITPAD_SCREENSHOT_DIR")
VIEW = r'result view: state=%s bars=%d verdict="%s" detail="%s"'


def ring():
    return [[(0.5 + 0.3 * math.cos(a / 40 * 2 * math.pi), 0.5 + 0.3 * math.sin(a / 40 * 2 * math.pi))
             for a in range(41)]]


def filled_square():
    """back-and-forth strokes close enough to leave no gap at the pen's width"""
    strokes = []
    for i in range(16):
        y = 0.2 + 0.6 * i / 15
        strokes.append([(0.2, y), (0.8, y)])
    return strokes


def draw(s, strokes):
    for stroke in strokes:
        s.drag_norm(stroke)


def shot(s, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        s.screenshot(os.path.join(SHOTS, name))


def main():
    tap = Tap()
    work = tempfile.mkdtemp(prefix="digitpad-gui-refuse-")
    model = write_model(os.path.join(work, "refuse.safetensors"))
    try:
        with Session(args=[model]) as s:
            tap.ok(s.wait_for(r'model loaded: name=".*refuse', since=0, timeout=10) is not None,
                   "the app loads the 11-output model given on its command line", s.log_text())
            s.wait_idle()

            m = s.mark()
            draw(s, ring())
            v = s.wait_for(VIEW % ("([a-z-]+)", 11, "(.*)", "(.*)"), since=m, timeout=5)
            p = s.wait_for(r"prediction #\d+: digit=(\S+)( closest=(\d))?.* not_a_digit=([0-9.]+)",
                           since=m, timeout=5)
            tap.ok(v is not None and v.group(1) == "not-a-digit" and v.group(2) == "Not a Digit",
                   "a thin ring: the view says Not a Digit, with eleven bars",
                   v.group(0) if v else s.log_text(m))
            tap.ok(v is not None and v.group(3).startswith("Closest: 3 ("),
                   "the closest digit is given as a hint", v.group(0) if v else s.log_text(m))
            tap.ok(p is not None and p.group(1) == "none" and p.group(3) == "3"
                   and float(p.group(4)) > 0.5,
                   "the prediction is 'not a digit' (closest 3), its probability over 0.5",
                   p.group(0) if p else s.log_text(m))
            shot(s, "refuse-not-a-digit.png")

            s.click("clear")
            s.wait_idle()
            m = s.mark()
            draw(s, filled_square())
            # the last stroke's prediction: once the square is full, a 3
            s.wait_idle(quiet=0.8)
            views = s.find_all(VIEW % ("([a-z-]+)", 11, "(.*)", "(.*)"), since=m)
            tap.ok(views and views[-1].group(1) in ("digit", "unsure")
                   and views[-1].group(0).find("verdict=\"Not a Digit\"") < 0,
                   "a filled square: a digit, with the eleventh bar still shown",
                   views[-1].group(0) if views else s.log_text(m))
            preds = s.find_all(r"prediction #\d+: digit=(\S+) .* not_a_digit=([0-9.]+)", since=m)
            tap.ok(preds and preds[-1].group(1) == "3", "the filled square is read as 3",
                   preds[-1].group(0) if preds else s.log_text(m))
            shot(s, "refuse-digit.png")

            # the built-in model (the Handwriting preset's) can refuse too: eleven bars, and a
            # ring is a 0, not a refusal
            m = s.mark()
            s.activate_action("reset-model")
            tap.ok(s.wait_for(r'model loaded: name="Built-in model"', since=m, timeout=10)
                   is not None, "back to the built-in model", s.log_text(m))
            s.click("clear")
            s.wait_idle()
            m = s.mark()
            draw(s, ring())
            v = s.wait_for(VIEW % ("([a-z-]+)", 11, "(.*)", "(.*)"), since=m, timeout=5)
            tap.ok(v is not None and v.group(1) != "not-a-digit",
                   "with the built-in model the ring gets a digit answer and eleven bars",
                   v.group(0) if v else s.log_text(m))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
