#!/usr/bin/python3
"""screenshots.py: the README's screenshots, taken from the real app under Xvfb at the default
window size, in the light and the dark style (not a test; run it by hand after a change that
shows):

    DIGITPAD_APP=build/src/app/digitpad /usr/bin/python3 tests/gui/screenshots.py docs [GROUP…]

(GROUP: draw-train, not-a-digit or teach; all three when none is named.)

Draw: a 5 drawn with real pointer drags (the stroke fixture digit-5-one-stroke), its result;
and (light only, screenshot-not-a-digit) a hand-drawn "A" of tests/devset/lead-hand.py, which
the built-in model answers "not a digit".
Train: Quick trained on the whole of MNIST (DIGITPAD_MNIST_DIR, default ../shared/mnist), finished.
Teach it your handwriting (light only): a correction's toast over the next drawing's result
(screenshot-correct), the guided collection midway (screenshot-collect) with every stroke
fixture drawn in it, three of each digit, Your Samples (screenshot-samples), the Personalize
window's before → after (screenshot-personalize) and the personal model in use
(screenshot-personal).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import Session  # noqa: E402
from test_train import MNIST, click_train, draw_digit, open_train_tab, wait_end  # noqa: E402
import test_teach  # noqa: E402
import test_window_devset  # noqa: E402

SCREEN = (1280, 900)


def settle(s):
    s.xdo("mousemove", "1", "1")
    s.wait_idle()
    time.sleep(0.5)


def shoot(out, style):
    env = {"DIGITPAD_MNIST_DIR": os.path.realpath(MNIST)}
    if style == "dark":
        env["ADW_DEBUG_COLOR_SCHEME"] = "prefer-dark"
    suffix = "-dark" if style == "dark" else ""
    with Session(screen=SCREEN, env=env) as s:
        s.wait_idle()
        if draw_digit(s, "digit-5-one-stroke.txt") is None:
            raise RuntimeError("no prediction of the drawn 5")
        settle(s)
        s.screenshot(os.path.join(out, "screenshot-draw%s.png" % suffix))
        open_train_tab(s)
        if s.wait_for(r"train: data ok", timeout=60) is None:
            raise RuntimeError("no MNIST in %s" % MNIST)
        s.wait_idle()
        mark = s.mark()
        click_train(s, "start")
        end = wait_end(s, mark, 300)
        if end is None or end.group(1) != "finished":
            raise RuntimeError("Quick did not finish")
        settle(s)
        s.screenshot(os.path.join(out, "screenshot-train%s.png" % suffix))


def shoot_not_a_digit(out):
    """a hand-drawn "A" from lead-hand.py, answered "not a digit" """
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["/usr/bin/python3", os.path.join(here, "..", "devset", "lead-hand.py"),
                        tmp, "2"], check=True)
        with open(os.path.join(tmp, "lead-negatives.ndjson")) as f:
            record = next(r for r in map(json.loads, f) if r["id"] == "lead-A-0")
    with Session(screen=SCREEN) as s:
        s.wait_idle()
        got = test_window_devset.replay(s, record)
        if got is None or got[0] is not None:
            raise RuntimeError("the A was not answered 'not a digit': %r" % (got,))
        settle(s)
        s.screenshot(os.path.join(out, "screenshot-not-a-digit.png"))


def window_shot(s, wid, path):
    saved = s.wid
    s.wid = wid
    try:
        settle(s)
        s.screenshot(path)
    finally:
        s.wid = saved


def shoot_teach(out):
    T = test_teach
    env = {"DIGITPAD_MNIST_DIR": os.path.realpath(MNIST)}
    with Session(screen=SCREEN, env=env) as s:
        s.wait_idle()
        # a correction: its toast stays up while the next digit is drawn and read
        if T.draw_digit(s, "digit-7-crossbar.txt") is None:
            raise RuntimeError("no prediction of the drawn 7")
        s.key("7")
        if s.wait_for(r"toast: Saved as a 7", timeout=5) is None:
            raise RuntimeError("the 7 was not kept")
        # one quick stroke, so the toast (8 s) is still up
        T.draw_digit(s, "digit-1-stick.txt")
        s.xdo("mousemove", "1", "1")
        time.sleep(0.5)
        s.screenshot(os.path.join(out, "screenshot-correct.png"))
        s.key("Delete")

        # the guided collection: every fixture, three of each digit
        s.key("ctrl+t")
        wid = T.find_window(s, "Teach It Your Handwriting")
        s.wait_for(r"teach-bounds: .*pad=", timeout=5)
        prefix = "teach-bounds: "
        fixtures = sorted(f for f in os.listdir(T.FIXTURES) if f.startswith("digit-"))
        for k, name in enumerate(fixtures):
            digit = int(name[6])
            mark = s.mark()
            T.click_named(s, prefix, wid, "digit-%d" % digit)
            s.wait_for(r"teach: asking for %d" % digit, timeout=5, since=mark)
            px, py, side = T.named_layout(s, prefix, wid)["pad"]
            for stroke in T.load_fixture(name):
                s.drag([(px + x * side, py + y * side) for x, y in stroke])
            if k == 13:
                window_shot(s, wid, os.path.join(out, "screenshot-collect.png"))
            T.click_named(s, prefix, wid, "keep")
            s.wait_for(r"teach: kept a %d" % digit, timeout=5, since=mark)
        if s.wait_for(r"teach: done, 30 kept", timeout=5) is None:
            raise RuntimeError("the collection did not end")
        T.click_named(s, prefix, wid, "later")
        time.sleep(0.5)

        s.key("ctrl+shift+t")
        wid = T.find_window(s, "Your Samples")
        s.wait_for(r"samples-bounds: .*sample-9-2=", timeout=5)
        window_shot(s, wid, os.path.join(out, "screenshot-samples.png"))
        T.key_in(s, wid, "Escape")
        time.sleep(0.5)

        wid, state, mark = T.personalize(s)
        if state != "done":
            raise RuntimeError("personalize ended in state %s:\n%s" % (state, s.log_text(mark)))
        window_shot(s, wid, os.path.join(out, "screenshot-personalize.png"))
        T.key_in(s, wid, "Escape")
        time.sleep(0.5)
        if T.draw_digit(s, "digit-9-curved-tail.txt") is None:
            raise RuntimeError("no prediction with the personal model")
        settle(s)
        s.screenshot(os.path.join(out, "screenshot-personal.png"))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "docs"
    # optional: which groups to take (draw-train, not-a-digit, teach); all by default
    only = set(sys.argv[2:]) or {"draw-train", "not-a-digit", "teach"}
    os.makedirs(out, exist_ok=True)
    if "draw-train" in only:
        for style in ("light", "dark"):
            shoot(out, style)
            print("%s: screenshot-draw and screenshot-train taken" % style)
    if "not-a-digit" in only:
        shoot_not_a_digit(out)
        print("screenshot-not-a-digit taken")
    if "teach" in only:
        shoot_teach(out)
        print("screenshot-correct, -collect, -samples, -personalize and -personal taken")


if __name__ == "__main__":
    main()
