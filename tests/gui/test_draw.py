#!/usr/bin/python3
"""test_draw.py: the Draw page through the real window under Xvfb, driven by real X input.

Every hand-drawn stroke fixture (tests/fixtures/strokes, each digit 0-9 in three styles) is
replayed as pointer drags on the pad and must be recognised by the built-in model, read back from
the app's g_debug lines. Then: an empty pad (a hint, no prediction), undo, clear, live mode on/off,
opening an image (as a command-line argument handed to the running instance) and dropping one
(dragged from a small GTK client, tests/gui/dnd-source.py, with real pointer moves), saving the
drawing through the file chooser, loading a good and a bad model and a Theta1/Theta2 pair, resetting to the built-in model,
and resizing the window with strokes on the pad.

Env: DIGITPAD_APP (the built app), DIGITPAD_SOURCE_DIR (the source tree),
DIGITPAD_SCREENSHOT_DIR (optional: keep screenshots there).
"""
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import Session, Tap  # noqa: E402

SRC = os.environ.get("DIGITPAD_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(SRC, "tests", "fixtures", "strokes")
SHOTS = os.environ.get("DIGITPAD_SCREENSHOT_DIR")

# digit: 0-9, or "none" when a model that can refuse answers "not a digit" (a zig-zag, the first
# stroke of an open 4)
PRED = (r"prediction #(\d+): digit=(\d|none)(?: closest=\d)? confidence=([0-9.]+) "
        r"runner_up=\d \([0-9.]+\) "
        r"unsure=(\w+) trigger=%s strokes=%s .*total_ms=([-0-9.]+)")


def load_fixture(path):
    strokes = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            strokes.append([tuple(float(v) for v in p.split(",")) for p in line.split()])
    return strokes


def draw(s, strokes, region=(0.0, 0.0, 1.0)):
    for stroke in strokes:
        s.drag_norm(stroke, region)


def wait_pred(s, since, trigger="stroke-end", strokes=r"\d+", timeout=5.0):
    return s.wait_for(PRED % (trigger, strokes), timeout=timeout, since=since)


def brightness(png, box):
    """Mean brightness 0..1 of a box (x, y, w, h) of a PNG, through ImageMagick."""
    x, y, w, h = box
    out = subprocess.run(["convert", png, "-crop", "%dx%d+%d+%d" % (w, h, x, y), "+repage",
                          "-colorspace", "Gray", "-format", "%[fx:mean]", "info:"],
                         stdout=subprocess.PIPE, check=True).stdout
    return float(out)


def main():
    tap = Tap()
    work = tempfile.mkdtemp(prefix="digitpad-gui-test-")
    fixtures = sorted(glob.glob(os.path.join(FIXTURES, "digit-*.txt")))
    latencies = []
    try:
        with Session() as s:
            tap.ok(s.wait_for(r'model loaded: name="Built-in model"', since=0) is not None,
                   "the built-in model is loaded at startup")

            # --- an empty pad: a hint, never a prediction --------------------------------
            m = s.mark()
            s.click("predict")
            tap.ok(s.wait_for(r"nothing to predict: the pad is empty", since=m) is not None,
                   "Predict on an empty pad says there is nothing to predict")
            tap.ok(not s.find_all(r"prediction #", since=m), "and predicts nothing")

            # --- every fixture, as real drags ---------------------------------------------
            tap.ok(len(fixtures) >= 30, "at least 30 stroke fixtures (found %d)" % len(fixtures))
            wrong = []
            for path in fixtures:
                name = os.path.basename(path)[:-4]
                want = int(name[6])
                strokes = load_fixture(path)
                s.key("Delete")
                m = s.mark()
                draw(s, strokes)
                got = wait_pred(s, m, strokes=str(len(strokes)))
                ok = got is not None and got.group(2) == str(want)
                if got is not None:
                    latencies.append(float(got.group(5)))
                if not ok:
                    wrong.append(name)
                tap.ok(ok, "fixture %s is recognised as %d" % (name, want),
                       "got: %s" % (got.group(0) if got else "no prediction:\n" + s.log_text(m)))
            if latencies:
                compute = [float(x.group(1)) + float(x.group(2)) for x in s.find_all(
                    r"trigger=stroke-end .*preprocess_ms=([0-9.]+) inference_ms=([0-9.]+)")]
                tap.diag("stroke end → result on screen: median %.2f ms, max %.2f ms over %d "
                         "drawings; preprocess + inference: median %.3f ms"
                         % (statistics.median(latencies), max(latencies), len(latencies),
                            statistics.median(compute)))
                # The result is logged at the first frame's after-paint: the time is the wait
                # for the next 60 Hz frame (≤ 16.7 ms) plus painting it. Speed is a figure to
                # read above (and in the benchmarks), not a pass/fail line that a busy CI machine
                # could flip; what must hold is that the window never stalls on a prediction.
                tap.ok(statistics.median(latencies) < 250,
                       "the result reaches the screen without a stall (median %.1f ms; "
                       "one frame is 16.7 ms)" % statistics.median(latencies))

            # --- live predictions while drawing are throttled -----------------------------
            s.key("Escape")
            m = s.mark()
            # one zig-zag stroke of about a second and a half
            zigzag = [(0.25 + 0.5 * i / 8, 0.3 if i % 2 == 0 else 0.7) for i in range(9)]
            s.drag([s.to_screen(x, y) for x, y in zigzag], step=4, delay_ms=6)
            got = wait_pred(s, m)
            during = s.find_all(r"(\d\d):(\d\d):(\d\d)\.(\d+): prediction #\d+: .*"
                                r"trigger=drawing strokes=1 ", since=m)
            tap.ok(got is not None and len(during) >= 3,
                   "live mode predicts while drawing (%d times) and at the stroke's end"
                   % len(during))
            stamps = [int(a) * 3600 + int(b) * 60 + int(c) + int(d) / 1000 for a, b, c, d in
                      (x.groups() for x in during)]
            gaps = [round(b - a, 3) for a, b in zip(stamps, stamps[1:])]
            # logged after each paint, so the single gaps jitter on a busy CPU; their mean may not
            tap.ok(gaps and min(gaps) >= 0.05 and statistics.mean(gaps) >= 0.095,
                   "throttled to one prediction per 100 ms while drawing", "gaps: %s" % gaps)

            # --- no prediction on the pen-down dot (issue 9 item 7) -----------------------
            # the pen rests where it came down, with a pixel of jitter: no ink to read yet
            s.key("Escape")
            x, y = (int(v) for v in s.to_screen(0.5, 0.5))
            m = s.mark()
            s.xdo("mousemove", "--sync", x, y, "mousedown", "1", "mousemove", x + 1, y,
                  "sleep", "0.4", "mousemove", x + 1, y + 1, "sleep", "0.3", "mouseup", "1")
            s.wait_for(r"stroke finished", since=m)
            tap.ok(not s.find_all(r"trigger=drawing", since=m),
                   "a resting pen-down dot is not predicted while drawing", s.log_text(m))

            # --- undo and clear -----------------------------------------------------------
            s.key("Delete")
            four = load_fixture(os.path.join(FIXTURES, "digit-4-open.txt"))
            m = s.mark()
            draw(s, four)
            tap.ok(wait_pred(s, m, strokes="2") is not None, "two strokes drawn")
            m = s.mark()
            s.key("ctrl+z")
            tap.ok(s.wait_for(r"undo: strokes=1", since=m) is not None
                   and wait_pred(s, m, trigger="undo", strokes="1") is not None,
                   "Ctrl+Z undoes the last stroke and predicts again")
            m = s.mark()
            s.click("undo")
            tap.ok(s.wait_for(r"undo: strokes=0", since=m) is not None,
                   "the Undo button undoes the first stroke")
            tap.ok(not s.find_all(r"prediction #", since=m), "an emptied pad predicts nothing")
            draw(s, four)
            m = s.mark()
            s.key("Delete")
            tap.ok(s.wait_for(r"^.*: cleared$", since=m) is not None
                   and s.wait_layout(r"strokes=0", since=m) is not None, "Delete clears the pad")
            draw(s, four)
            m = s.mark()
            s.key("Escape")
            tap.ok(s.wait_for(r": cleared$", since=m) is not None, "Escape clears the pad")
            draw(s, four)
            m = s.mark()
            s.click("clear")
            tap.ok(s.wait_for(r": cleared$", since=m) is not None, "the Clear button clears")
            m = s.mark()
            s.key("Return")
            tap.ok(s.wait_for(r"nothing to predict: the pad is empty", since=m) is not None
                   and not s.find_all(r"prediction #", since=m),
                   "Enter on a cleared pad shows the hint, no prediction")

            # --- live mode off: predictions only on demand --------------------------------
            m = s.mark()
            s.click("live")
            tap.ok(s.wait_for(r"live mode: off", since=m) is not None,
                   "clicking the Live switch turns live mode off")
            seven = load_fixture(os.path.join(FIXTURES, "digit-7-plain.txt"))
            m = s.mark()
            draw(s, seven)
            # the positive control: every stroke arrived (else "nothing predicted" proves nothing)
            arrived = s.wait_for(r"stroke finished: strokes=%d\b" % len(seven), since=m)
            time.sleep(0.5)
            tap.ok(arrived is not None and not s.find_all(r"prediction #", since=m),
                   "with live mode off, drawing predicts nothing (%s)"
                   % ("all %d of its strokes arrived" % len(seven) if arrived else "its strokes never arrived"))
            m = s.mark()
            s.click("predict")
            got = wait_pred(s, m, trigger="predict")
            tap.ok(got is not None and got.group(2) == "7", "the Predict button predicts a 7")
            m = s.mark()
            s.key("Return")
            got = wait_pred(s, m, trigger="predict")
            tap.ok(got is not None and got.group(2) == "7", "Enter predicts a 7")
            m = s.mark()
            s.key("ctrl+l")
            tap.ok(s.wait_for(r"live mode: on", since=m) is not None, "Ctrl+L turns live mode on")

            # --- resize with strokes on the pad -------------------------------------------
            s.key("Delete")
            three = load_fixture(os.path.join(FIXTURES, "digit-3-round.txt"))
            m = s.mark()
            draw(s, three)
            before = wait_pred(s, m)
            pad_before = s.layout()["pad"]
            m = s.mark()
            s.resize(1300, 940)
            grown = s.wait_layout(r"strokes=%d" % len(three), since=m, timeout=5)
            s.wait_idle()
            pad_after = s.layout()["pad"]
            tap.ok(grown is not None and pad_after[2] > pad_before[2],
                   "the pad grows with the window (%d → %d px) and keeps its strokes"
                   % (pad_before[2], pad_after[2]))
            m = s.mark()
            s.key("Return")
            after = wait_pred(s, m, trigger="predict", strokes=str(len(three)))
            tap.ok(before is not None and after is not None and before.group(2) == after.group(2)
                   and before.group(3) == after.group(3),
                   "the same prediction after resizing (the strokes are relative to the pad)")
            shot = s.screenshot(os.path.join(work, "resized.png"))
            wx, wy, _, _ = s.window_geometry()
            px, py, side = pad_after
            ink = brightness(shot, (px - wx + side // 4, py - wy + side // 4, side // 2, side // 2))
            tap.ok(ink < 0.97, "the strokes are drawn on the resized pad (mean %.3f)" % ink)
            m = s.mark()
            s.resize(900, 640)
            s.wait_layout(r"strokes=%d" % len(three), since=m, timeout=5)
            s.wait_idle()
            tap.ok(s.layout()["pad"][2] < pad_after[2], "and shrinks with it")

            # --- save the drawing through the file chooser --------------------------------
            saved = os.path.join(work, "drawing.png")
            m = s.mark()
            save_drawing(s, saved)
            got = s.wait_for(r"drawing saved: (.*)$", since=m, timeout=5)
            with open(saved, "rb") if os.path.exists(saved) else open(os.devnull, "rb") as f:
                head = f.read(8)
            tap.ok(got is not None and head == b"\x89PNG\r\n\x1a\n",
                   "Ctrl+S saves the drawing as a PNG through the file chooser",
                   s.log_text(m))
            # issue 10 item 4: saved over an existing PNG, the new file is written beside it
            # and renamed over it (a new inode), never written in place, which a full disk
            # left truncated
            inode = os.stat(saved).st_ino if os.path.exists(saved) else None
            m = s.mark()
            save_drawing(s, saved, replace=True)
            got = s.wait_for(r"drawing saved: (.*)$", since=m, timeout=5)
            with open(saved, "rb") if os.path.exists(saved) else open(os.devnull, "rb") as f:
                head = f.read(8)
            tap.ok(got is not None and head == b"\x89PNG\r\n\x1a\n" and inode is not None
                   and os.stat(saved).st_ino != inode,
                   "saving over a PNG replaces it atomically (a new file renamed over it)",
                   s.log_text(m))
            tap.ok(s.wait_for(r"toast: .*drawing\.png", since=m, timeout=2) is not None,
                   "and a toast says it was saved")

            # --- open an image: handed to the running instance ----------------------------
            s.key("Delete")
            png = os.path.join(work, "seven.png")
            subprocess.run(["convert", "-size", "300x300", "xc:white", "-stroke", "black",
                            "-strokewidth", "26", "-fill", "none", "-draw",
                            "path 'M 80,70 L 220,70 L 130,250'", png], check=True)
            m = s.mark()
            res = s.run_second_instance(png)
            got = wait_pred(s, m, trigger="image", strokes="0")
            tap.ok(res.returncode == 0 and s.wait_for(r"image opened: ", since=m) is not None
                   and got is not None and got.group(2) == "7",
                   "an image opened from the command line is shown and recognised as 7",
                   s.log_text(m))
            drop_image(tap, s, png)
            bad_png = os.path.join(work, "not-an-image.png")
            with open(bad_png, "w") as f:
                f.write("this is not a PNG\n")
            m = s.mark()
            s.run_second_instance(bad_png)
            tap.ok(s.wait_for(r"error dialog: Could not read the image: .*not-an-image", since=m)
                   is not None, "a broken image gets an error dialog naming the file")
            close_dialogs(s)

            # --- models -------------------------------------------------------------------
            good = os.path.join(work, "good.safetensors")
            shutil.copy(os.path.join(SRC, "weights", "digitpad-default.safetensors"), good)
            draw(s, seven)
            m = s.mark()
            s.activate_action("load-model-file", "['%s']" % good)
            tap.ok(s.wait_for(r'model loaded: name="good.safetensors"', since=m) is not None
                   and wait_pred(s, m, trigger="model-changed") is not None,
                   "a good model file loads, and the drawing is predicted again with it")
            bad = os.path.join(work, "bad.safetensors")
            with open(bad, "wb") as f:
                f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}")
            m = s.mark()
            s.activate_action("load-model-file", "['%s']" % bad)
            got = s.wait_for(r"error dialog: Could not load the model: (.*)", since=m)
            tap.ok(got is not None and "bad.safetensors" in got.group(1)
                   and "good.safetensors" in s.log_text(m),
                   "a bad model file gets an error dialog naming the file and the model kept")
            tap.ok(not s.find_all(r"model loaded", since=m), "and the current model stays")
            close_dialogs(s)
            m = s.mark()
            s.key("Return")
            tap.ok(wait_pred(s, m, trigger="predict") is not None, "predictions still work",
                   s.log_text(m))

            theta = os.path.join(work, "classic")
            os.mkdir(theta)
            write_theta(theta, hidden=25)
            m = s.mark()
            s.activate_action("load-model-file", "['%s']" % os.path.join(theta, "Theta1.txt"))
            tap.ok(s.wait_for(r'model loaded: name="Theta1/Theta2 in classic" sizes=784-25-10',
                              since=m) is not None,
                   "Theta1.txt alone loads the classic pair (Theta2.txt found beside it)",
                   s.log_text(m))
            m = s.mark()
            s.activate_action("reset-model")
            tap.ok(s.wait_for(r'model loaded: name="Built-in model"', since=m) is not None,
                   "Reset to Built-in Model")

            # issue 10 item 13: `digitpad model.safetensors` loads the model; a PNG loaded as
            # a model is named for what it is
            m = s.mark()
            res = s.run_second_instance(good)
            tap.ok(res.returncode == 0
                   and s.wait_for(r'model loaded: name="good.safetensors"', since=m) is not None
                   and not s.find_all(r"error dialog", since=m),
                   "a model file given on the command line is loaded as the model",
                   s.log_text(m))
            tap.ok(s.wait_for(r"toast: .*good\.safetensors", since=m, timeout=2) is not None,
                   "and a toast says which model is now in use")
            m = s.mark()
            s.activate_action("load-model-file", "['%s']" % png)
            got = s.wait_for(r"error dialog: Could not load the model: (.*)", since=m)
            tap.ok(got is not None and "seven.png: this is a PNG image, not a model" in got.group(1),
                   "a PNG loaded as a model: \"this is a PNG image, not a model\"",
                   s.log_text(m))
            close_dialogs(s)
            m = s.mark()
            s.activate_action("reset-model")
            s.wait_for(r'model loaded: name="Built-in model"', since=m)

            if SHOTS:
                os.makedirs(SHOTS, exist_ok=True)
                s.key("Delete")
                draw(s, load_fixture(os.path.join(FIXTURES, "digit-5-two-strokes.txt")))
                s.wait_idle()
                s.screenshot(os.path.join(SHOTS, "draw.png"))

            # --- the shortcuts window and the About dialog ---------------------------------
            before = set(s.windows())
            s.key("ctrl+question")
            tap.ok(wait_new_window(s, before), "Ctrl+? opens the keyboard shortcuts window")
            close_dialogs(s)
            before = set(s.windows())
            s.activate_action("about")
            tap.ok(wait_new_window(s, before), "app.about opens the About dialog")
            close_dialogs(s)

            # --- the log is clean, and Ctrl+Q quits ---------------------------------------
            bad_lines = s.find_all(r"(CRITICAL|WARNING|ERROR) \*\*|runtime error:|Sanitizer")
            tap.ok(not bad_lines, "no warnings or criticals in the app's log",
                   "\n".join(x.string for x in bad_lines[:10]))
            rc = s.quit_app()
            tap.ok(rc == 0, "Ctrl+Q quits with status 0 (got %s)" % rc)
        settings_session(tap, work)
    except Exception as e:  # the harness failed: say so in TAP, not as a traceback only
        tap.ok(False, "the GUI session ran to the end", "%s: %s" % (type(e).__name__, e))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tap.done()


def settings_session(tap, work):
    """Window size, pen width, live mode and the last model are remembered across runs (a real
    keyfile settings backend in the session's private HOME, not the memory one)."""
    good = os.path.join(work, "remembered.safetensors")
    shutil.copy(os.path.join(SRC, "weights", "digitpad-default.safetensors"), good)
    with Session(settings_memory=False, env={"GSETTINGS_BACKEND": "keyfile"}) as s:
        first = s.wait_for(r"window settings: size=(\d+)x(\d+) pen-width=(\d+) live-mode=(\w+)",
                           since=0)
        tap.ok(first is not None and first.group(4) == "on", "first run: live mode on by default")
        s.resize(1100, 780)
        s.wait_layout(r"window=1100,780", timeout=5)
        s.key("bracketright", "bracketright", "ctrl+l")
        m = s.mark()
        s.activate_action("load-model-file", "['%s']" % good)
        s.wait_for(r'model loaded: name="remembered.safetensors"', since=m)
        s.wait_idle()
        rc = s.quit_app()
        tap.ok(rc == 0, "first run quits cleanly")
        s.start_app()
        again = s.wait_for(r"window settings: size=(\d+)x(\d+) pen-width=(\d+) live-mode=(\w+)",
                           since=0)
        tap.ok(again is not None and (again.group(1), again.group(2)) == ("1100", "780"),
               "the window size is remembered", again.group(0) if again else s.log_text())
        tap.ok(again is not None and int(again.group(3)) == int(first.group(3)) + 4,
               "the pen width is remembered")
        tap.ok(again is not None and again.group(4) == "off", "live mode off is remembered")
        tap.ok(s.wait_for(r'model loaded: name="remembered.safetensors"', since=0, timeout=5)
               is not None, "the last model is loaded again")
        s.quit_app()

        # issue 10 item 12: the remembered model is missing (a drive not yet mounted): a
        # visible notice, the built-in model serves, and the setting is kept for next time
        away = good + ".away"
        os.rename(good, away)
        s.start_app()
        tap.ok(s.wait_for(r"toast: The last model could not be loaded.*remembered\.safetensors",
                          since=0, timeout=5) is not None,
               "a missing remembered model gets a visible notice", s.log_text())
        tap.ok(not s.find_all(r'model loaded: name="remembered', since=0)
               and s.find_all(r'model loaded: name="Built-in model"', since=0),
               "and the built-in model is used")
        s.quit_app()
        os.rename(away, good)
        s.start_app()
        tap.ok(s.wait_for(r'model loaded: name="remembered.safetensors"', since=0, timeout=5)
               is not None, "the setting was kept: once the file is back, it is loaded again",
               s.log_text())
        s.quit_app()


def use_file_chooser(s, shortcut, path, select_all=True):
    """The shortcut that opens a file chooser, the path typed into it (over the name there with
    select_all; a leading / opens an Open dialog's location entry), Enter. False: no chooser."""
    s.key(shortcut)
    time.sleep(1.0)
    dialogs = [w for w in s.windows() if w != s.wid]
    if not dialogs:
        return False
    s.xdo("windowfocus", "--sync", dialogs[-1], check=False)
    if select_all:
        s.xdo("key", "--clearmodifiers", "ctrl+a")
    s.xdo("type", "--delay", "5", path)
    time.sleep(0.3)
    s.xdo("key", "Return")
    return True


def save_drawing(s, path, replace=False):
    """Ctrl+S, the path typed into the file chooser, Enter; replace: confirm replacing it."""
    if not use_file_chooser(s, "ctrl+s", path):
        return
    if replace:
        # GTK asks before replacing a file; "Replace" is its default answer
        time.sleep(1.0)
        dialogs = [w for w in s.windows() if w != s.wid]
        if dialogs:
            s.xdo("windowfocus", "--sync", dialogs[-1], check=False)
            s.xdo("key", "Return")


def drop_image(tap, s, png):
    """A real drag and drop: a small GTK client offers the file (as a file manager would) and
    xdotool drags it from there onto the pad. Skipped without PyGObject for GTK 4."""
    probe = subprocess.run(["/usr/bin/python3", "-c", "import gi; gi.require_version('Gtk', '4.0')"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        tap.skip("an image dropped on the pad is recognised", "no python3-gi / gir1.2-gtk-4.0")
        return
    s.key("Delete")
    src = subprocess.Popen(["/usr/bin/python3", os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "dnd-source.py"), png], env=s.env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    s.procs.append(src)
    wid = None
    deadline = time.time() + 15
    while wid is None and time.time() < deadline:
        found = s.xdo("search", "--onlyvisible", "--name", "^Digitpad drag source$",
                      check=False).split()
        wid = found[-1] if found else None
        time.sleep(0.1)
    if wid is None:
        tap.ok(False, "an image dropped on the pad is recognised", "no drag source window")
        return
    # beside the main window (no window manager places it)
    _, _, mw, _ = s.window_geometry()
    s.xdo("windowmove", "--sync", wid, mw + 20, 200, check=False)
    time.sleep(0.3)
    x, y, w, h = s.window_geometry(wid)
    px, py, side = s.layout()["pad"]
    m = s.mark()
    s.drag([(x + w / 2, y + h / 2), (x + w / 2 - 30, y + h / 2), (px + side / 2, py + side / 2)],
           step=10, delay_ms=10)
    got = wait_pred(s, m, trigger="image", strokes="0")
    tap.ok(s.wait_for(r"image opened: .*seven.png", since=m) is not None and got is not None
           and got.group(2) == "7", "an image dropped on the pad is recognised as 7",
           s.log_text(m))
    s._kill(src)


def wait_new_window(s, before, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if set(s.windows()) - before:
            return True
        time.sleep(0.1)
    return False


def close_dialogs(s, timeout=5.0):
    """Close every window of the app but the main one, with Escape as a user would: wait for the
    dialog the app logged to be mapped, then for it to be gone."""
    deadline = time.time() + timeout
    seen = False
    while time.time() < deadline:
        dialogs = [w for w in s.windows() if w != s.wid]
        if not dialogs:
            if seen or time.time() > deadline - timeout + 1.0:
                return
            time.sleep(0.1)
            continue
        seen = True
        for w in dialogs:
            s.xdo("windowfocus", "--sync", w, check=False)
            s.xdo("key", "Escape", check=False)
        time.sleep(0.3)


def write_theta(folder, hidden):
    """A small classic model in the tutorial's text format (numpy savetxt, bias first)."""
    import random
    rng = random.Random(7)
    with open(os.path.join(folder, "Theta1.txt"), "w") as f:
        for _ in range(hidden):
            f.write(" ".join("%.18e" % rng.uniform(-0.1, 0.1) for _ in range(785)) + "\n")
    with open(os.path.join(folder, "Theta2.txt"), "w") as f:
        for _ in range(10):
            f.write(" ".join("%.18e" % rng.uniform(-0.5, 0.5) for _ in range(hidden + 1)) + "\n")


if __name__ == "__main__":
    sys.exit(main())
