#!/usr/bin/python3
"""test_teach.py: "Teach it your handwriting" (issue 13) through the real window under Xvfb,
driven by real X input.

Correct in one gesture: a drawn digit, then the key of another digit: the toast "Saved as a N",
the samples file ($XDG_DATA_HOME/digitpad/samples.ndjson) has the record (label, strokes, time);
the toast's Undo removes it (the file is rewritten without it); a click on a row of the bars and
"That's Right" keep one too. Guided collection (Ctrl+T): "Draw a 0", three drawings kept, a
skip, a digit chosen out of turn, Finish offers to personalize. Your Samples (Ctrl+Shift+T): the
counts per digit, a thumbnail's menu deletes one and relabels another (the file follows),
export through the file chooser writes a strokes file that import reads back. Personalize
(Ctrl+P) with MNIST (DIGITPAD_MNIST_DIR; skipped without it): Stop ends a run with nothing
written; a run ends with before → after,
the personal model is active ("Personal model · N samples"), it is restored at the next start,
and Reset goes back to the built-in model. Without MNIST the window says where to get it. With
a model that can refuse, its "Not a digit" row keeps a drawing as a negative (label null).

Env: DIGITPAD_APP (the built app), DIGITPAD_MNIST_DIR, DIGITPAD_SOURCE_DIR,
DIGITPAD_SCREENSHOT_DIR (optional: keep screenshots there).
"""
import json
import math
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import Session, Tap  # noqa: E402
from test_train import FIXTURES, MNIST, SHOTS, load_fixture  # noqa: E402
SCREEN = (1400, 1000)

PRED = r"prediction #\d+: digit=(\d) confidence=([0-9.]+) .*trigger=(stroke-end|predict)"

tap = Tap()


# --- helpers --------------------------------------------------------------------------------

def draw_digit(s, fixture):
    """Clear the pad, draw a fixture with real drags; the prediction's match."""
    mark = s.mark()
    s.key("Delete")
    for stroke in load_fixture(fixture):
        s.drag_norm(stroke)
    return s.wait_for(PRED, timeout=10, since=mark)


def samples_file(s):
    return os.path.join(s.tmp, "data", "digitpad", "samples.ndjson")


def read_samples(s):
    path = samples_file(s)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def find_window(s, title, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        ids = s.xdo("search", "--onlyvisible", "--name", "^%s$" % re.escape(title),
                    check=False).split()
        if ids:
            return ids[-1]
        time.sleep(0.1)
    return None


def named_layout(s, prefix, wid):
    """The latest 'PREFIX…' layout line of a window as {name: (x, y, w, h)} on the screen."""
    lines = s.find_all(re.escape(prefix) + r"(.*)$")
    if not lines:
        return {}
    wx, wy, _, _ = s.window_geometry(wid)
    out = {}
    for item in lines[-1].group(1).split():
        key, _, value = item.partition("=")
        nums = [int(v) for v in value.split(",")]
        if key == "window":
            out[key] = tuple(nums)
        else:
            out[key] = (nums[0] + wx, nums[1] + wy) + tuple(nums[2:])
    return out


def click_named(s, prefix, wid, name, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        box = named_layout(s, prefix, wid).get(name)
        if box is not None:
            x, y, w, h = box
            s.click_xy(x + w / 2, y + h / 2)
            return True
        time.sleep(0.1)
    return False


def key_in(s, wid, *keys):
    s.xdo("windowactivate", "--sync", wid, check=False)
    s.xdo("windowfocus", "--sync", wid, check=False)
    s.xdo("key", "--delay", "30", *keys)


def shot(s, name, wid=None):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        s.xdo("mousemove", "1", "1")
        s.wait_idle()
        time.sleep(0.4)
        if wid is None:
            s.screenshot(os.path.join(SHOTS, name))
        else:
            saved = s.wid
            s.wid = wid
            try:
                s.screenshot(os.path.join(SHOTS, name))
            finally:
                s.wid = saved


# --- correct in one gesture -------------------------------------------------------------------

def correct(s):
    got = draw_digit(s, "digit-4-closed.txt")
    tap.ok(got is not None, "a drawn 4 is predicted", s.log_text())
    if got is None:
        return
    said = int(got.group(1))
    label = (said + 3) % 10
    mark = s.mark()
    s.key(str(label))
    toast = s.wait_for(r"toast: Saved as a (\d) \[_Undo\]", timeout=5, since=mark)
    tap.ok(toast is not None and int(toast.group(1)) == label,
           "typing %d keeps the drawing: the toast says 'Saved as a %d' with Undo" % (label, label),
           s.log_text(mark))
    records = read_samples(s)
    tap.ok(len(records) == 1 and records[0].get("label") == label
           and len(records[0].get("strokes", [])) >= 1 and records[0].get("time", 0) > 1.7e9,
           "the samples file holds the record: its strokes, label %d and time" % label,
           str(records)[:500])
    tap.ok(s.wait_for(r"cleared|nothing to predict|strokes=0", timeout=3, since=mark) is not None
           or s.layout().get("strokes") == 0, "the pad is cleared for the next drawing")

    # the toast's Undo removes that sample, rewriting the file
    mark = s.mark()
    if s.wait_layout(r"toast-button=", timeout=5, since=None) is not None:
        s.wait_idle(quiet=0.5)  # the toast slides in
        shot(s, "screenshot-correct.png")
        s.click("toast-button")
    gone = s.wait_for(r"samples: removed \S+ n=0", timeout=5, since=mark)
    tap.ok(gone is not None and read_samples(s) == [],
           "Undo on the toast removes the sample from the file", s.log_text(mark))

    # a click on a row of the bars keeps it as that row's digit
    got = draw_digit(s, "digit-7-plain.txt")
    if got is not None:
        lay = s.layout()
        bx, _, bw, _ = lay["bars"]
        _, ry, _, rh = lay["row-2"]
        row = 2
        mark = s.mark()
        s.click_xy(bx + bw / 2, ry + rh / 2)  # the middle of the row: on its bar
        toast = s.wait_for(r"toast: Saved as a (\d)", timeout=5, since=mark)
        tap.ok(toast is not None and toast.group(1) == str(row),
               "a click on the bar of %d keeps the drawing as a %d" % (row, row), s.log_text(mark))
    else:
        tap.ok(False, "a drawn 7 is predicted")

    # "That's Right" keeps it as the answer shown
    got = draw_digit(s, "digit-7-plain.txt")
    if got is not None:
        mark = s.mark()
        s.click("thats-right")
        toast = s.wait_for(r"toast: Saved as a (\d)", timeout=5, since=mark)
        tap.ok(toast is not None and toast.group(1) == got.group(1),
               "That's Right keeps the drawing as the answer shown (%s)" % got.group(1),
               s.log_text(mark))
    labels = [r.get("label") for r in read_samples(s)]
    tap.ok(labels == [2, int(got.group(1)) if got else None],
           "the file has both, in order (%s)" % labels)


# --- guided collection ------------------------------------------------------------------------

def collect(s):
    mark = s.mark()
    s.key("ctrl+t")
    wid = find_window(s, "Teach It Your Handwriting")
    tap.ok(wid is not None and s.wait_for(r"teach: asking for 0", timeout=5, since=mark),
           "Ctrl+T opens Teach It Your Handwriting, asking for a 0", s.log_text(mark))
    if wid is None:
        return
    s.wait_for(r"teach-bounds: .*pad=", timeout=5, since=mark)
    prefix = "teach-bounds: "

    def draw_here(fixture):
        lay = named_layout(s, prefix, wid)
        px, py, side = lay["pad"]
        for stroke in load_fixture(fixture):
            s.drag([(px + x * side, py + y * side) for x, y in stroke])

    for k, fixture in enumerate(["digit-0-oval.txt", "digit-0-round-open.txt",
                                 "digit-0-narrow-slanted.txt"]):
        m = s.mark()
        draw_here(fixture)
        time.sleep(0.2)
        if k == 1:
            shot(s, "screenshot-collect.png", wid)
        key_in(s, wid, "Return")
        s.wait_for(r"teach: kept a 0", timeout=5, since=m)
    tap.ok(s.wait_for(r"teach: asking for 1", timeout=5, since=mark) is not None
           and len(s.find_all(r"teach: kept a 0", since=mark)) == 3,
           "three 0s kept with Enter, then it asks for a 1", s.log_text(mark))

    m = s.mark()
    click_named(s, prefix, wid, "skip")
    tap.ok(s.wait_for(r"teach: asking for 2", timeout=5, since=m) is not None,
           "Skip goes on to the 2", s.log_text(m))
    m = s.mark()
    click_named(s, prefix, wid, "digit-5")
    s.wait_for(r"teach: asking for 5", timeout=5, since=m)
    draw_here("digit-5-one-stroke.txt")
    time.sleep(0.2)
    click_named(s, prefix, wid, "keep")
    tap.ok(s.wait_for(r"teach: kept a 5 \(1/3\), 4 in all", timeout=5, since=m) is not None,
           "a digit chosen out of turn (5) is drawn and kept", s.log_text(m))
    labels = [r.get("label") for r in read_samples(s)]
    tap.ok(labels[-4:] == [0, 0, 0, 5], "the file has the four collected samples (%s)" % labels)

    m = s.mark()
    click_named(s, prefix, wid, "finish")
    tap.ok(s.wait_for(r"teach: done, 4 kept", timeout=5, since=m) is not None
           and s.wait_for(r"teach-bounds: .*personalize-now=", timeout=5, since=m) is not None,
           "Finish ends with the offer to personalize", s.log_text(m))
    click_named(s, prefix, wid, "later")
    time.sleep(0.5)


# --- your samples -----------------------------------------------------------------------------

def samples_view(s, work):
    mark = s.mark()
    s.key("ctrl+shift+t")
    wid = find_window(s, "Your Samples")
    counts = s.wait_for(r"samples view: n=(\d+) counts=([0-9,]+)", timeout=5, since=mark)
    want = [0] * 11
    for r in read_samples(s):
        want[r["label"]] += 1
    tap.ok(wid is not None and counts is not None
           and [int(c) for c in counts.group(2).split(",")] == want,
           "Ctrl+Shift+T shows the samples with their counts per digit (%s)"
           % (counts.group(2) if counts else None), s.log_text(mark))
    if wid is None:
        return
    prefix = "samples-bounds: "
    s.wait_for(r"samples-bounds: .*sample-0-2=", timeout=5, since=mark)
    shot(s, "screenshot-samples.png", wid)

    # a thumbnail's menu opens on its first item, Delete
    m = s.mark()
    before = read_samples(s)
    click_named(s, prefix, wid, "sample-0-2")
    time.sleep(0.6)
    s.xdo("key", "--delay", "80", "Return")
    gone = s.wait_for(r"samples: removed (\S+) n=(\d+)", timeout=5, since=m)
    after = read_samples(s)
    tap.ok(gone is not None and len(after) == len(before) - 1
           and [r["label"] for r in after].count(0) == 2,
           "a thumbnail's Delete removes that sample from the file", s.log_text(m))
    tap.ok(s.wait_for(r"samples view: n=%d counts=2," % len(after), timeout=5, since=m)
           is not None, "and the view's count of 0s is 2")

    # relabel: the menu's second section lists the other labels (1, 2, 3 … for a 0)
    m = s.mark()
    s.wait_for(r"samples-bounds: ", timeout=3, since=m)
    click_named(s, prefix, wid, "sample-0-1")
    time.sleep(0.6)
    s.xdo("key", "--delay", "80", "Down", "Down", "Down", "Return")
    moved = s.wait_for(r"samples: relabelled \S+ 0 -> (\d+)", timeout=5, since=m)
    after = read_samples(s)
    tap.ok(moved is not None and moved.group(1) == "3"
           and [r["label"] for r in after].count(0) == 1
           and [r["label"] for r in after].count(3) == 1,
           "a thumbnail's Relabel As gives it another label, in the file too", s.log_text(m))

    # export through the file chooser, then import it back: the samples double
    out = os.path.join(work, "backup.ndjson")
    n = len(after)
    m = s.mark()
    if file_chooser(s, lambda: click_named(s, prefix, wid, "export"), out, wid):
        s.wait_for(r"samples: exported", timeout=5, since=m)
    exported = []
    if os.path.exists(out):
        with open(out) as f:
            exported = [json.loads(line) for line in f if line.strip()]
    tap.ok(len(exported) == n and [r["label"] for r in exported] == [r["label"] for r in after],
           "Export writes every sample to a strokes file (%d)" % len(exported), s.log_text(m))
    m = s.mark()
    if file_chooser(s, lambda: click_named(s, prefix, wid, "import"), out, wid, location=True):
        s.wait_for(r"samples: imported", timeout=5, since=m)
    tap.ok(s.wait_for(r"samples view: n=%d " % (2 * n), timeout=5, since=m) is not None
           and len(read_samples(s)) == 2 * n,
           "Import adds them back: %d samples" % len(read_samples(s)), s.log_text(m))
    key_in(s, wid, "Escape")
    time.sleep(0.5)


def file_chooser(s, open_it, path, parent, location=False):
    before = set(s.windows())
    open_it()
    deadline = time.time() + 6
    dialogs = []
    while time.time() < deadline and not dialogs:
        time.sleep(0.2)
        dialogs = [w for w in s.windows() if w not in before and w != parent]
    if not dialogs:
        return False
    time.sleep(0.6)
    s.xdo("windowfocus", "--sync", dialogs[-1], check=False)
    s.xdo("key", "--clearmodifiers", "ctrl+l" if location else "ctrl+a")
    s.xdo("type", "--delay", "5", path)
    time.sleep(0.5)  # the location entry completes what was typed
    s.xdo("key", "Return")
    return True


# --- personalize ------------------------------------------------------------------------------

def personalize(s, timeout=240):
    """Ctrl+P, Start; the state it ends in (done, refused, failed, …) or None."""
    mark = s.mark()
    s.key("ctrl+p")
    wid = find_window(s, "Personalize")
    ready = s.wait_for(r"personalize: state (ready|missing|empty)", timeout=60, since=mark)
    if wid is None or ready is None or ready.group(1) != "ready":
        return wid, (ready.group(1) if ready else None), mark
    started = s.mark()
    click_named(s, "personalize-bounds: ", wid, "start")
    end = s.wait_for(r"personalize: state (done|refused|failed|ready)", timeout=timeout,
                     since=started)
    return wid, (end.group(1) if end else None), mark


def personal_session(work):
    """Personalize from the window with MNIST; the personal model is active, restored at the next
    start, and Reset goes back to the built-in model. The keyfile settings backend in the
    session's HOME keeps the last model across the restart."""
    env = {"DIGITPAD_MNIST_DIR": os.path.realpath(MNIST), "GSETTINGS_BACKEND": "keyfile"}
    with Session(screen=SCREEN, settings_memory=False, env=env) as s:
        # a few samples of the user's: the stroke fixtures, three of each digit, imported
        records = []
        for name in sorted(os.listdir(FIXTURES)):
            if name.startswith("digit-"):
                strokes = [[list(p) for p in stroke] for stroke in load_fixture(name)]
                records.append({"strokes": strokes, "label": int(name[6]), "id": name[:-4]})
        os.makedirs(os.path.dirname(samples_file(s)), exist_ok=True)
        with open(samples_file(s), "w") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
        s.quit_app()
        s.start_app()

        # Stop: nothing is written, the model in use stays
        mark = s.mark()
        s.key("ctrl+p")
        wid = find_window(s, "Personalize")
        if wid is not None and s.wait_for(r"personalize: state ready", timeout=60, since=mark):
            started = s.mark()
            click_named(s, "personalize-bounds: ", wid, "start")
            s.wait_for(r"personalize: state running", timeout=5, since=started)
            click_named(s, "personalize-bounds: ", wid, "stop")
            end = s.wait_for(r"personalize: state (done|ready)", timeout=60, since=started)
            if end is not None and end.group(1) == "done":
                tap.skip("Stop keeps the model in use", "the run ended before Stop was clicked")
            else:
                tap.ok(end is not None and "Stopped" in end.string
                       and not s.find_all(r'model loaded: name="Personal', since=started)
                       and not os.path.exists(os.path.join(s.tmp, "data", "digitpad",
                                                           "personal-model.safetensors")),
                       "Stop ends the run: nothing is written and the model in use stays",
                       s.log_text(started))
            key_in(s, wid, "Escape")
            time.sleep(0.5)
        else:
            tap.ok(False, "the Personalize window is ready", s.log_text(mark))

        wid, state, mark = personalize(s)
        tap.ok(state == "done", "Personalize with %d samples and MNIST ends with a personal model "
               "in use (state: %s)" % (len(records), state), s.log_text(mark))
        figures = s.wait_for(r"personalize: figures held out (.*), MNIST (.*)$", since=mark)
        tap.ok(figures is not None and "→" in figures.group(2),
               "it shows before → after on the held-out samples and on MNIST (%s; %s)"
               % (figures.group(1), figures.group(2)) if figures else "no figures")
        if figures:
            tap.diag("held out %s, MNIST %s" % (figures.group(1), figures.group(2)))
        run = s.wait_for(r"personalize: finished in .*$", since=mark)
        if run:
            tap.diag(run.group(0))
        name = "Personal model · %d samples" % len(records)
        tap.ok(s.wait_for(r'model loaded: name="%s"' % name, timeout=5, since=mark) is not None,
               "the personal model is the model in use: \"%s\"" % name)
        path = os.path.join(s.tmp, "data", "digitpad", "personal-model.safetensors")
        tap.ok(os.path.exists(path), "it is saved beside the samples")
        if wid is not None:
            shot(s, "screenshot-personalize.png", wid)
            key_in(s, wid, "Escape")
            time.sleep(0.5)
        got = draw_digit(s, "digit-7-plain.txt")
        tap.ok(got is not None and got.group(1) == "7", "the personal model reads a drawn 7")
        shot(s, "screenshot-personal.png")

        # the next start restores it
        s.quit_app()
        mark = s.mark()
        s.start_app()
        tap.ok(s.wait_for(r'model loaded: name="%s"' % name, timeout=20, since=0) is not None,
               "the personal model is restored at the next start", s.log_text())

        # personalizing again starts from the base, not from the personal model
        wid, state, mark = personalize(s)
        base = s.wait_for(r'personalize: start from "([^"]*)"', since=mark)
        tap.ok(state == "done" and s.wait_for(r"personalize: state ready: .*starts again from "
                                              r"the model your personal model was made from",
                                              since=mark) is not None,
               "personalizing again starts from the base model (state: %s)" % state,
               s.log_text(mark))
        if wid is not None:
            key_in(s, wid, "Escape")
            time.sleep(0.5)

        # Reset to the built-in model, from the Model menu's action
        mark = s.mark()
        s.activate_action("reset-model")
        tap.ok(s.wait_for(r'model loaded: name="Built-in model"', timeout=10, since=mark)
               is not None, "Reset goes back to the built-in model")
        s.quit_app()
        s.start_app()
        tap.ok(s.wait_for(r'model loaded: name="Built-in model"', timeout=10, since=0) is not None
               and not s.find_all(r'model loaded: name="Personal', since=0),
               "and the next start stays with it")
        s.quit_app()


def not_a_digit_session(work):
    """With a model that can refuse (tests/cli/refuse_model.py), its "Not a digit" row keeps a
    drawing as a negative sample: label null in the file."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                    "cli"))
    from refuse_model import write_model
    model = write_model(os.path.join(work, "refuse.safetensors"))
    with Session(screen=SCREEN, args=[model]) as s:
        s.wait_for(r'model loaded: name="refuse.safetensors"', timeout=20)
        s.wait_idle()
        mark = s.mark()
        ring = [[(0.5 + 0.3 * math.cos(a / 40 * 2 * math.pi),
                  0.5 + 0.3 * math.sin(a / 40 * 2 * math.pi)) for a in range(41)]]
        for stroke in ring:
            s.drag_norm(stroke)
        s.wait_for(PRED, timeout=10, since=mark)
        s.wait_layout(r"row-10=", timeout=5, since=mark)
        lay = s.layout()
        mark = s.mark()
        if "row-10" in lay:
            bx, _, bw, _ = lay["bars"]
            _, ry, _, rh = lay["row-10"]
            s.click_xy(bx + bw / 2, ry + rh / 2)
        toast = s.wait_for(r"toast: Saved as not a digit", timeout=5, since=mark)
        labels = [r.get("label", "absent") for r in read_samples(s)]
        tap.ok(toast is not None and labels == [None],
               "with a model that can refuse, a click on its \"Not a digit\" row keeps the "
               "drawing as not a digit (label null in the file: %s)" % labels, s.log_text(mark))
        s.quit_app()


def missing_mnist_session(work):
    empty = os.path.join(work, "no-mnist")
    os.makedirs(empty, exist_ok=True)
    with Session(screen=SCREEN, env={"DIGITPAD_MNIST_DIR": empty}) as s:
        draw_digit(s, "digit-3-round.txt")
        s.key("3")
        s.wait_for(r"samples: added", timeout=5)
        wid, state, mark = personalize(s)
        words = s.wait_for(r"personalize: state missing: MNIST Is Needed \| (.*)", since=mark)
        tap.ok(state == "missing" and words is not None and "Download MNIST" in words.group(1),
               "without MNIST, Personalize says it is needed and how to get it", s.log_text(mark))
        s.quit_app()


def main():
    import shutil
    import tempfile
    work = tempfile.mkdtemp(prefix="digitpad-teach-")
    try:
        with Session(screen=SCREEN, env={"DIGITPAD_MNIST_DIR": os.path.realpath(MNIST)}) as s:
            correct(s)
            collect(s)
            samples_view(s, work)
            s.quit_app()
        if os.path.exists(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz")) or os.path.exists(
                os.path.join(MNIST, "t10k-labels-idx1-ubyte")):
            personal_session(work)
        else:
            tap.skip("personalize from the window", "no MNIST in %s" % MNIST)
        missing_mnist_session(work)
        not_a_digit_session(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
