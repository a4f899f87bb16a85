#!/usr/bin/python3
"""screenshots.py: the README's screenshots, taken from the real app under Xvfb at the default
window size, in the light and the dark style (not a test; run it by hand after a change that
shows):

    DIGITPAD_APP=build/src/app/digitpad /usr/bin/python3 tests/gui/screenshots.py docs

Draw: a 5 drawn with real pointer drags (the stroke fixture digit-5-one-stroke), its result.
Train: Quick trained on the whole of MNIST (DIGITPAD_MNIST_DIR, default ../shared/mnist), finished.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import Session  # noqa: E402
from test_train import MNIST, click_train, draw_digit, open_train_tab, wait_end  # noqa: E402

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


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "docs"
    os.makedirs(out, exist_ok=True)
    for style in ("light", "dark"):
        shoot(out, style)
        print("%s: screenshot-draw and screenshot-train taken" % style)


if __name__ == "__main__":
    main()
