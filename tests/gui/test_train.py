#!/usr/bin/python3
"""test_train.py: the Train tab through the real window under Xvfb, driven by real X input.

With the real MNIST (DIGITPAD_MNIST_DIR): the page finds 60000 + 10000 images; presets are
picked from the dropdown with the keyboard (Home, Down…, Return); a bad learning rate marks the
field and keeps Start disabled; Quick on a 10000-image subset trains to the end (every epoch read
back from the g_debug lines), a confusion cell opens its gallery, "Use This Model" swaps the model
and digits drawn on the Draw tab (real pointer drags) are predicted with it. Then: a double click
on Start never starts two runs; a second run completes; Classic on a subset is saved and exported
to Theta1/Theta2 through the file chooser; Stop lands mid-epoch (Best) within a second and keeps
the model; a full Quick run on all 60000 images never freezes the main loop (its p99 stall is logged) while
the Draw tab still predicts; Ctrl+Q mid-run quits cleanly. Then, with no copy anywhere,
"Choose Folder…" loads a chosen copy and "Download MNIST" fetches one from a local mirror (DIGITPAD_MNIST_MIRRORS; the real mirrors are never
contacted). Finally a missing and a corrupt data folder: the page says what is wrong and Start
stays disabled.

Issue 14 (first): a first run with no data at the default window size (a neutral state, Download
and Choose Folder, the preset, Start and the progress in view), an offline download (every mirror
a local port that refuses connections: "No Internet Connection", Try Again, the per-mirror errors
behind Details), and, with the data, a run at the default size (DIGITPAD_SCREENSHOT_DIR keeps
its screenshot).

Env: DIGITPAD_APP (the built app), DIGITPAD_MNIST_DIR, DIGITPAD_SOURCE_DIR,
DIGITPAD_SCREENSHOT_DIR (optional: keep a screenshot of the page after the full run there).
"""
import functools
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import Session, Tap  # noqa: E402

SRC = os.environ.get("DIGITPAD_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST = os.environ.get("DIGITPAD_MNIST_DIR") or os.path.join(SRC, "..", "shared", "mnist")
FIXTURES = os.path.join(SRC, "tests", "fixtures", "strokes")
SHOTS = os.environ.get("DIGITPAD_SCREENSHOT_DIR")
SCREEN = (1500, 1250)
WINDOW = (1440, 1180)

EPOCH = r"train: epoch (\d+)/(\d+) loss ([0-9.]+) train ([0-9.]+) % test ([0-9.]+) %"
PRED = r"prediction #\d+: digit=(\d) confidence=([0-9.]+) .*trigger=stroke-end"
FREEZE_MS = 3000  # a main-loop tick this long is a frozen window, on any machine
STALL = r"train: main-loop stall p50 ([0-9.]+) ms p99 ([0-9.]+) ms max ([0-9.]+) ms \((\d+) ticks"

tap = Tap()


# --- helpers --------------------------------------------------------------------------------

def train_layout(s):
    """The latest 'train-bounds:' line as {name: (x, y, w, h)} in screen coordinates."""
    lines = s.find_all(r"train-bounds:(.*)$")
    if not lines:
        raise RuntimeError("no train-layout line")
    wx, wy, _, _ = s.window_geometry()
    out = {}
    for item in lines[-1].group(1).split():
        key, _, value = item.partition("=")
        nums = [int(v) for v in value.split(",")]
        out[key] = (nums[0] + wx, nums[1] + wy) + tuple(nums[2:])
    return out


def click_train(s, name):
    x, y, w, h = train_layout(s)[name]
    s.click_xy(x + w / 2, y + h / 2)


def type_into(s, name, text):
    click_train(s, name)
    s.key("ctrl+a")
    if text:
        s.xdo("type", "--delay", "15", text)
    else:
        s.key("BackSpace")


def tab(s, which):
    """Click the stack switcher's button. Its two buttons (Draw, Train) share the width of a box
    centred in the header bar, each at least 48 px wide: 24 px either side of the centre is inside
    each of them, whatever their exact width."""
    wx, wy, ww, _ = s.window_geometry()
    s.click_xy(wx + ww / 2 + (24 if which == "train" else -24), wy + 27)


def open_train_tab(s):
    mark = s.mark()
    tab(s, "train")
    return s.wait_for(r"train-bounds:", timeout=10, since=mark) is not None


def log_time(line):
    """Seconds of the day from a g_debug line's 'HH:MM:SS.mmm' timestamp."""
    m = re.search(r"(\d\d):(\d\d):(\d\d\.\d+)", line)
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else None


def load_fixture(name):
    strokes = []
    with open(os.path.join(FIXTURES, name)) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                strokes.append([tuple(float(v) for v in p.split(",")[:2]) for p in line.split()])
    return strokes


def draw_digit(s, fixture):
    mark = s.mark()
    s.key("Delete")  # clear the pad first
    for stroke in load_fixture(fixture):
        s.drag_norm(stroke)
    return s.wait_for(PRED, timeout=10, since=mark)


def pick_preset(s, index):
    """Open the dropdown and choose the index-th preset with the keyboard."""
    mark = s.mark()
    click_train(s, "preset")
    time.sleep(0.4)
    s.xdo("key", "--delay", "60", "Home", *(["Down"] * index), "Return")
    return s.wait_for(r"train: preset (\w+)", timeout=5, since=mark)


def file_dialog(s, button, path):
    """Click a button that opens a file chooser, type path into its location, press Return."""
    before = set(s.windows())
    click_train(s, button)
    deadline = time.time() + 5
    dialogs = []
    while time.time() < deadline and not dialogs:
        time.sleep(0.2)
        dialogs = [w for w in s.windows() if w not in before]
    if not dialogs:
        return False
    time.sleep(0.5)
    s.xdo("windowfocus", "--sync", dialogs[-1], check=False)
    if path.endswith("/"):
        s.xdo("key", "--clearmodifiers", "ctrl+l")  # a folder: the location entry
    else:
        s.xdo("key", "--clearmodifiers", "ctrl+a")  # a file: the name entry
    s.xdo("type", "--delay", "5", path)
    s.xdo("key", "Return")
    return True


def wait_end(s, since, timeout):
    return s.wait_for(r"train: (finished|cancelled|failed)", timeout=timeout, since=since)


def pointer_on(s, bounds):
    """The pointer is inside bounds (x, y, w, h, from the layout before the click), and no other
    window of the app (a dialog) is open to take a click: a click there reached that widget."""
    x, y, w, h = bounds
    pos = dict(l.split(":", 1) for l in s.xdo("getmouselocation").split() if ":" in l)
    return (x <= int(pos["x"]) < x + w and y <= int(pos["y"]) < y + h
            and [str(i) for i in s.windows()] == [str(s.wid)])


def start_disabled(s):
    """Start does nothing: clicking it logs no 'train: start'. The click must have reached Start
    for that to mean anything: the pointer is on it (and each session also clicks Start once it
    is enabled, as a positive control)."""
    mark = s.mark()
    bounds = train_layout(s)["start"]
    click_train(s, "start")
    return pointer_on(s, bounds) and s.wait_for(r"train: start", timeout=1.5, since=mark) is None


PRED_IMAGE = (r"prediction #\d+: digit=(\d) confidence=([0-9.]+) runner_up=(\d) \(([0-9.]+)\) "
              r".*trigger=image")


def predict_image(s, png):
    """Hands png to the running app (a second instance), on the Draw tab; returns the answer
    (digit, confidence, runner-up, its probability) as logged, or None."""
    tab(s, "draw")
    s.wait_idle()
    mark = s.mark()
    s.run_second_instance(png)
    m = s.wait_for(PRED_IMAGE, timeout=10, since=mark)
    return m.groups() if m else None


# --- with the real data ---------------------------------------------------------------------

def real_data_session():
    with Session(screen=SCREEN, env={"DIGITPAD_MNIST_DIR": MNIST}) as s:
        s.resize(*WINDOW)
        s.wait_idle()
        tap.ok(open_train_tab(s), "the Train tab opens", s.log_text()[-2000:])
        m = s.wait_for(r"train: data (ok|error) (.*)$", timeout=60)
        tap.ok(m is not None and m.group(1) == "ok" and "60000 train, 10000 test" in m.group(2),
               "MNIST found: 60000 train, 10000 test", m.group(0) if m else s.log_text()[-2000:])
        s.wait_idle()

        m = pick_preset(s, 1)
        tap.ok(m is not None and m.group(1) == "tiny", "the dropdown picks Tiny")
        m = pick_preset(s, 3)
        tap.ok(m is not None and m.group(1) == "quick", "the dropdown picks Quick")

        # a bad value: marked, Start disabled; fixed: enabled again
        mark = s.mark()
        type_into(s, "lr", "fast")
        m = s.wait_for(r"train: settings invalid: (.*)", timeout=3, since=mark)
        tap.ok(m is not None and "Learning rate" in m.group(1), "a bad learning rate is reported",
               s.log_text(mark))
        tap.ok(start_disabled(s), "Start is disabled while a field is invalid")
        type_into(s, "lr", "0.002")
        type_into(s, "limit", "10000")
        s.wait_idle()

        # Quick on 10000 images, to the end
        mark = s.mark()
        click_train(s, "start")
        m = s.wait_for(r"train: start (.*) on (\d+) images", timeout=5, since=mark)
        tap.ok(m is not None and m.group(2) == "10000" and "preset quick" in m.group(1),
               "Start trains Quick on 10000 images", s.log_text(mark))
        end = wait_end(s, mark, 120)
        tap.ok(end is not None and end.group(1) == "finished", "the run finishes",
               s.log_text(mark)[-2000:])
        epochs = s.find_all(EPOCH, since=mark)
        tap.ok([int(e.group(1)) for e in epochs] == list(range(1, 11))
               and all(e.group(2) == "10" for e in epochs),
               "every epoch 1..10 is reported", "\n".join(e.group(0) for e in epochs))
        last_test = float(epochs[-1].group(5)) if epochs else 0
        tap.ok(last_test > 95.0, "test accuracy after the run > 95 %% (%.2f %%)" % last_test)
        tap.ok(s.wait_for(STALL, timeout=1, since=mark) is not None, "the stall figures are logged")

        # a confusion cell opens its images
        s.wait_idle()  # the results have been laid out: the bounds line is final
        x, y = train_layout(s)["cell49"][:2]
        m2 = s.mark()
        s.click_xy(x, y)
        m = s.wait_for(r"train: gallery true (\d) predicted (\d): (\d+) images", timeout=5, since=m2)
        tap.ok(m is not None and m.groups()[:2] == ("4", "9"),
               "clicking the (4, 9) cell opens its gallery (%s images)" % (m.group(3) if m else "?"),
               "clicked at %d,%d; window %s; %s" % (x, y, s.window_geometry(),
                                                    s.find_all(r"train-bounds:.*$")[-1].group(0)))

        # use it in the Draw tab
        mark = s.mark()
        click_train(s, "use")
        m = s.wait_for(r'model loaded: name="Trained: Quick" sizes=784-256-10', timeout=5, since=mark)
        tap.ok(m is not None, "Use This Model makes it the current model", s.log_text(mark))
        tab(s, "draw")
        s.wait_idle()
        m = draw_digit(s, "digit-0-oval.txt")
        tap.ok(m is not None and m.group(1) == "0", "a 0 drawn on the Draw tab is predicted as 0 "
               "with the trained model (%s)" % (m.group(1) if m else "no prediction"))
        m = draw_digit(s, "digit-7-plain.txt")
        tap.ok(m is not None and m.group(1) == "7", "a 7 likewise (%s)"
               % (m.group(1) if m else "no prediction"))

        # a double click on Start: one run only (the second click lands on Stop)
        open_train_tab(s)
        type_into(s, "limit", "3000")
        s.wait_idle()
        mark = s.mark()
        x, y, w, h = train_layout(s)["start"]
        s.xdo("mousemove", "--sync", int(x + w / 2), int(y + h / 2), "click", "--repeat", "2",
              "--delay", "60", "1")
        aimed = pointer_on(s, (x, y, w, h))  # both clicks went to Start, in our window
        end = wait_end(s, mark, 60)
        starts = s.find_all(r"train: start ", since=mark)
        tap.ok(aimed and len(starts) == 1 and end is not None,
               "a double click on Start starts one run (%s; the pointer %s on Start)"
               % (end.group(1) if end else "no end", "was" if aimed else "was NOT"))

        # start again: a second run completes
        s.wait_idle()
        mark = s.mark()
        click_train(s, "start")
        end = wait_end(s, mark, 90)
        tap.ok(end is not None and end.group(1) == "finished"
               and len(s.find_all(r"train: start ", since=mark)) == 1,
               "a second run starts and finishes", s.log_text(mark)[-1500:])

        # Classic (784-100-10 sigmoid, L-BFGS) on a small subset: Save Model… and Export Theta…
        # through the file chooser
        work = tempfile.mkdtemp(prefix="digitpad-train-files-")
        m = pick_preset(s, 0)
        tap.ok(m is not None and m.group(1) == "classic", "the dropdown picks Classic")
        type_into(s, "limit", "2000")
        type_into(s, "epochs", "20")
        s.wait_idle()
        mark = s.mark()
        click_train(s, "start")
        end = wait_end(s, mark, 120)
        tap.ok(end is not None and end.group(1) == "finished", "Classic on 2000 images, 20 "
               "L-BFGS iterations, finishes", s.log_text(mark)[-1500:])
        s.wait_idle()
        model_path = os.path.join(work, "classic.safetensors")
        mark = s.mark()
        if file_dialog(s, "save", model_path):
            s.wait_for(r"train: (saved model to|writing)", timeout=10, since=mark)
        head = open(model_path, "rb").read(4096) if os.path.exists(model_path) else b""
        tap.ok(b"digitpad-mlp" in head and b"layers.1.weight" in head,
               "Save Model… writes a safetensors model", s.log_text(mark)[-1000:])
        mark = s.mark()
        if file_dialog(s, "export", work + "/"):
            s.wait_for(r"train: (exported Theta to|writing)", timeout=10, since=mark)
        rows = []
        if os.path.exists(os.path.join(work, "Theta1.txt")):
            with open(os.path.join(work, "Theta1.txt")) as f:
                rows = [len(l.split()) for l in f if l.strip()]
        tap.ok(len(rows) == 100 and set(rows) == {785} and
               os.path.exists(os.path.join(work, "Theta2.txt")),
               "Export Theta… writes Theta1.txt (100 × 785) and Theta2.txt", s.log_text(mark)[-1000:])
        tap.ok(not [n for n in os.listdir(work) if n not in ("classic.safetensors", "Theta1.txt",
                                                           "Theta2.txt")],
               "no temporary file is left beside them", " ".join(os.listdir(work)))
        shutil.rmtree(work, ignore_errors=True)

        # Stop mid-epoch (Best: an epoch takes a minute or more here): lands quickly, the model stays
        probe = os.path.join(tempfile.mkdtemp(prefix="digitpad-train-probe-"), "seven.png")
        subprocess.run(["convert", "-size", "300x300", "xc:white", "-stroke", "black",
                        "-strokewidth", "26", "-fill", "none", "-draw",
                        "path 'M 80,70 L 220,70 L 130,250'", probe], check=True)
        answer_before = predict_image(s, probe)  # the current model, before the run
        open_train_tab(s)
        type_into(s, "limit", "")
        m = pick_preset(s, 4)
        tap.ok(m is not None and m.group(1) == "best", "the dropdown picks Best")
        s.wait_idle()
        mark = s.mark()
        click_train(s, "start")
        started = s.wait_for(r"train: start preset best.* on 60000 images", timeout=5, since=mark)
        time.sleep(2.0)
        click_train(s, "stop")
        stop = s.wait_for(r"train: stop requested", timeout=5, since=mark)
        end = wait_end(s, mark, 10)
        took = (log_time(end.string) - log_time(stop.string)) if stop and end else None
        tap.ok(started is not None and end is not None and end.group(1) == "cancelled"
               and took is not None and took < 1.0,
               "Stop mid-epoch cancels within a second (%s s)"
               % ("%.3f" % took if took is not None else "?"), s.log_text(mark)[-1500:])
        tap.ok(not s.find_all(EPOCH, since=mark), "it stopped in the first epoch")
        tap.ok(not s.find_all(r"model loaded", since=mark), "stopping loads no model")
        # the real thing: the model in use answers the same image exactly as before the run
        answer_after = predict_image(s, probe)
        tap.ok(answer_before is not None and answer_after == answer_before,
               "stopping keeps the current model: the same image, the same answer before and "
               "after (%s / %s)" % (answer_before, answer_after))
        shutil.rmtree(os.path.dirname(probe), ignore_errors=True)
        open_train_tab(s)

        # a full run: the main loop stays responsive, and the Draw tab works during it
        m = pick_preset(s, 3)
        s.wait_idle()
        mark = s.mark()
        click_train(s, "start")
        s.wait_for(EPOCH, timeout=60, since=mark)
        tab(s, "draw")
        s.wait_idle(quiet=0.3, timeout=2)
        m = draw_digit(s, "digit-1-stick.txt")
        tap.ok(m is not None, "the Draw tab predicts during training (%s)"
               % (m.group(1) if m else "no prediction"))
        open_train_tab(s)
        end = wait_end(s, mark, 240)
        tap.ok(end is not None and end.group(1) == "finished", "a full run on 60000 images finishes",
               s.log_text(mark)[-1500:])
        st = s.wait_for(STALL, timeout=2, since=mark)
        p99 = float(st.group(2)) if st else None
        # The figure (the goal: p99 under 50 ms) is reported, not asserted: a timing
        # line that a busy CI machine could flip is no test. What must hold is that the window
        # never froze while it trained.
        if st:
            tap.diag("main-loop stall during the full run: p50 %s ms, p99 %s ms (goal < 50), max %s ms"
                     % (st.group(1), st.group(2), st.group(3)))
        tap.ok(st is not None and p99 < 500.0,
               "the main loop never froze during the full run (p99 stall %s ms)"
               % (st.group(2) if st else "?"))
        # one multi-second freeze is a single tick, far below p99: the longest tick has its own
        # limit, as an outright freeze (seconds), not a speed figure
        tap.ok(st is not None and float(st.group(3)) < FREEZE_MS,
               "no single freeze of %d ms or more during the full run (longest tick %s ms)"
               % (FREEZE_MS, st.group(3) if st else "?"))
        epochs = s.find_all(EPOCH, since=mark)
        acc = float(epochs[-1].group(5)) if epochs else 0
        tap.ok(acc >= 97.5, "Quick on the full set reaches %.2f %% test accuracy" % acc)
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            s.wait_idle()
            time.sleep(0.5)
            s.screenshot(os.path.join(SHOTS, "train-page.png"))

        # quit in the middle of a run
        s.wait_idle()
        mark = s.mark()
        click_train(s, "start")
        s.wait_for(r"train: start ", timeout=5, since=mark)
        time.sleep(1.0)
        before_quit = s.mark()
        t0 = time.time()
        rc = s.quit_app(timeout=10)
        took = time.time() - t0
        tap.ok(rc == 0, "Ctrl+Q during training exits with 0 in %.1f s" % took, s.log_text(mark)[-1500:])
        tap.ok(s.wait_for(r"train: stopped for shutdown", timeout=2, since=mark) is not None,
               "the run was stopped before the window went away")
        bad = [l for l in s.log_text(0).splitlines()[:before_quit]
               if re.search(r"CRITICAL|WARNING|ERROR", l)]
        tap.ok(not bad, "no warnings or criticals while training", "\n".join(bad[:10]))
        ours = r"DpTrain|DpChart|DpConfusion|DpGallery|DpMnist|GTask|train"
        bad = [l for l in s.log_text(before_quit).splitlines()
               if re.search(r"CRITICAL|WARNING|ERROR", l) and re.search(ours, l)]
        tap.ok(not bad, "quitting logs no warning from the Train tab", "\n".join(bad[:10]))


# --- without usable data --------------------------------------------------------------------

def bad_data_session(name, folder, expect):
    with Session(screen=SCREEN, env={"DIGITPAD_MNIST_DIR": folder}) as s:
        s.resize(*WINDOW)
        s.wait_idle()
        open_train_tab(s)
        m = s.wait_for(r"train: data (ok|error)(.*)$", timeout=30)
        tap.ok(m is not None and m.group(1) == "error" and expect in m.group(2),
               "%s: the page reports it (%s)" % (name, m.group(2).strip() if m else "nothing"))
        s.wait_idle()
        tap.ok(start_disabled(s), "%s: Start is disabled" % name)
        # the positive control, same session: with good data chosen, the same click starts a run
        mark = s.mark()
        if file_dialog(s, "choose", os.path.realpath(MNIST) + "/"):
            s.wait_for(r"train: data (ok|error)", timeout=60, since=mark)
        s.wait_idle()
        mark = s.mark()
        click_train(s, "start")
        started = s.wait_for(r"train: start ", timeout=5, since=mark)
        tap.ok(started is not None, "%s: once good data is chosen, the same click starts a run"
               % name, s.log_text(mark)[-1000:])
        if started:
            s.wait_for(r"train-bounds:.* stop=", timeout=5, since=mark)
            click_train(s, "stop")
            wait_end(s, mark, 10)


def download_session():
    """No copy anywhere: Download MNIST fetches it from a local mirror (a Python HTTP server on
    127.0.0.1 serving the test copy), verifies it, and the page loads it."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=MNIST)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    mirrors = "http://127.0.0.1:1/nothing-listens-here/ http://127.0.0.1:%d/" % server.server_port
    try:
        # settings in a key file under the session's own HOME, so they outlive a restart
        with Session(screen=SCREEN, settings_memory=False,
                     env={"DIGITPAD_MNIST_DIR": "", "DIGITPAD_MNIST_MIRRORS": mirrors,
                          "GSETTINGS_BACKEND": "keyfile"}) as s:
            s.resize(*WINDOW)
            s.wait_idle()
            open_train_tab(s)
            m = s.wait_for(r"train: data error: no MNIST in (.*)$", timeout=30)
            tap.ok(m is not None and m.group(1).endswith("digitpad/mnist"),
                   "no copy: the page says so", s.log_text()[-1500:])
            tap.ok(start_disabled(s), "no copy: Start is disabled")

            # Choose Folder… with the folder chooser's location entry
            mark = s.mark()
            chosen = os.path.realpath(MNIST)
            m = None
            if file_dialog(s, "choose", chosen + "/"):
                m = s.wait_for(r"train: data (ok|error) (\S+)", timeout=60, since=mark)
            tap.ok(m is not None and m.group(1) == "ok" and m.group(2).rstrip(":") == chosen,
                   "Choose Folder… loads the folder picked", s.log_text(mark)[-1500:])

            s.wait_idle()  # the data card has its loaded layout: the bounds line is final
            mark = s.mark()
            click_train(s, "download")
            m = s.wait_for(r"train: data ok (\S+): 60000 train, 10000 test", timeout=120, since=mark)
            tap.ok(m is not None, "Download MNIST (first mirror down, second good) fetches, verifies "
                   "and loads it", s.log_text(mark)[-2000:])
            if m:
                names = sorted(os.listdir(m.group(1)))
                tap.ok(names == sorted(n for n in os.listdir(MNIST) if n.endswith(".gz")),
                       "the folder holds the four files and nothing else", " ".join(names))
            mark = s.mark()
            click_train(s, "start")
            tap.ok(s.wait_for(r"train: start ", timeout=5, since=mark) is not None,
                   "Start is enabled once the data is there")
            click_train(s, "stop")
            wait_end(s, mark, 10)

            # the folder is remembered in GSettings: a restarted app looks there first
            downloaded = m.group(1) if m else None
            s.quit_app()
            s.start_app()
            s.resize(*WINDOW)
            s.wait_idle()
            open_train_tab(s)
            m = s.wait_for(r"train: looking for MNIST in (\S+) \((\w+)\)", timeout=10)
            tap.ok(m is not None and m.group(2) == "settings" and m.group(1) == downloaded,
                   "after a restart the downloaded folder comes from the settings (%s)"
                   % (m.group(0) if m else "nothing logged"))
    finally:
        server.shutdown()
        server.server_close()


# --- issue 14: the first run, offline, the default window size --------------------------------

DATA_STATE = r"train: data state (\w+): (.*) \| (.*) \| button (.*)$"


def inside(outer, inner):
    """Whether the rectangle inner (x, y, w, h) lies wholly inside outer."""
    return (inner[0] >= outer[0] and inner[1] >= outer[1]
            and inner[0] + inner[2] <= outer[0] + outer[2]
            and inner[1] + inner[3] <= outer[1] + outer[3])


def essentials_in_view(s, names):
    """The names (of the layout log) that are not wholly inside the page's visible rectangle."""
    lay = train_layout(s)
    page = lay.get("page")
    return [n for n in names if page is None or n not in lay or not inside(page, lay[n])]


def first_run_session():
    """Nothing anywhere, the window at its default size: a neutral first-run state with what
    MNIST is, its size, Download and Choose Folder, all in view with the preset, Start and the
    progress."""
    with Session(screen=SCREEN, env={"DIGITPAD_MNIST_DIR": ""}) as s:
        s.wait_idle()
        _, _, ww, wh = s.window_geometry()
        open_train_tab(s)
        m = s.wait_for(DATA_STATE.replace(r"(\w+)", "(missing|damaged|ok)"), timeout=30)
        tap.ok(m is not None and m.group(1) == "missing" and m.group(2) == "Get the MNIST Digits"
               and "11 MB" in m.group(3) and "checksum" in m.group(3)
               and m.group(4) == "Download _MNIST",
               "first run: a neutral 'Get the MNIST Digits' state, with its size and the check",
               m.group(0) if m else s.log_text()[-1500:])
        tap.ok(not s.find_all(r"data state (damaged|failed|offline)"),
               "first run: no warning state")
        s.wait_idle()
        hidden = essentials_in_view(s, ["download", "choose", "preset", "start", "progress"])
        tap.ok(not hidden, "at the default size (%dx%d) Download, Choose Folder, the preset, Start "
               "and the progress are in view" % (ww, wh),
               "not in view: %s; %s" % (hidden, s.find_all(r"train-bounds:.*$")[-1].group(0)))
        tap.ok(start_disabled(s), "first run: Start is disabled")
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            s.screenshot(os.path.join(SHOTS, "train-first-run.png"))


def refused_mirrors(n):
    """n URLs on local ports where nothing listens: each connection is refused at once."""
    urls = []
    for _ in range(n):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        urls.append("http://127.0.0.1:%d/mnist/" % sock.getsockname()[1])
        sock.close()
    return " ".join(urls)


def offline_session():
    """Every mirror refuses the connection: the page says plainly that it is offline, offers
    Try Again, keeps the per-mirror errors behind Details, and keeps nothing."""
    with Session(screen=SCREEN, env={"DIGITPAD_MNIST_DIR": "",
                                     "DIGITPAD_MNIST_MIRRORS": refused_mirrors(3)}) as s:
        s.wait_idle()
        open_train_tab(s)
        s.wait_for(r"train: data error: no MNIST in", timeout=30)
        s.wait_idle()
        mark = s.mark()
        click_train(s, "download")
        m = s.wait_for(DATA_STATE.replace(r"(\w+)", "(offline|failed|ok)"), timeout=30, since=mark)
        tap.ok(m is not None and m.group(1) == "offline" and m.group(2) == "No Internet Connection"
               and "None of the 3 MNIST mirrors could be reached" in m.group(3),
               "offline: 'No Internet Connection: none of the 3 MNIST mirrors could be reached'",
               m.group(0) if m else s.log_text(mark)[-1500:])
        tap.ok(m is not None and "127.0.0.1" not in m.group(3) and "refused" not in m.group(3),
               "offline: no raw error in the message itself")
        tap.ok(m is not None and m.group(4) == "_Try Again", "offline: the button says Try Again")
        s.wait_idle()
        lay = train_layout(s)
        tap.ok("details" in lay, "offline: a Details expander is shown", str(lay))
        if "details" in lay:
            closed = lay["details"][3]
            click_train(s, "details")
            s.wait_idle()
            opened = train_layout(s).get("details", (0, 0, 0, 0))[3]
            tap.ok(opened > closed + 30, "offline: Details opens on the per-mirror errors "
                   "(%d px -> %d px)" % (closed, opened))
        tap.ok(start_disabled(s), "offline: Start is disabled")
        mark = s.mark()
        click_train(s, "download")
        again = s.wait_for(r"train: download into", timeout=5, since=mark)
        m = s.wait_for(DATA_STATE, timeout=30, since=mark)
        tap.ok(again is not None and m is not None and m.group(1) == "offline",
               "Try Again downloads again (and, still offline, says so again)",
               s.log_text(mark)[-1500:])
        d = s.find_all(r"train: download into (\S+)")
        folder = d[-1].group(1) if d else None
        left = os.listdir(folder) if folder and os.path.isdir(folder) else []
        tap.ok(not left, "offline: nothing is left in the download folder", " ".join(left))


def default_size_session():
    """With the data there, at the default window size: the essentials are in view; Quick runs to
    the end (docs/screenshot-train.png is this session's screenshot)."""
    with Session(screen=SCREEN, env={"DIGITPAD_MNIST_DIR": MNIST}) as s:
        s.wait_idle()
        open_train_tab(s)
        m = s.wait_for(r"train: data (ok|error)", timeout=60)
        s.wait_idle()
        hidden = essentials_in_view(s, ["choose", "preset", "start", "progress"])
        tap.ok(m is not None and m.group(1) == "ok" and not hidden,
               "default size with the data: Choose Folder, the preset, Start and the progress "
               "are in view", "not in view: %s" % hidden)
        # the whole set: the "Training images" row is below the fold at this size
        mark = s.mark()
        click_train(s, "start")
        end = wait_end(s, mark, 180)
        tap.ok(end is not None and end.group(1) == "finished", "default size: Quick runs to the end")
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            s.xdo("mousemove", "1", "1")
            s.wait_idle()
            time.sleep(0.5)
            s.screenshot(os.path.join(SHOTS, "train-default-size.png"))


def pick_data(s, index):
    """Open the "Training data" dropdown and choose its index-th entry with the keyboard."""
    mark = s.mark()
    click_train(s, "data")
    time.sleep(0.4)
    s.xdo("key", "--delay", "60", "Home", *(["Down"] * index), "Return")
    return s.wait_for(r"train: training data (\w+)", timeout=5, since=mark)


def mix_data_session():
    """Issue 12: the "Training data" choice reaches the run. MNIST + fonts + not a digit starts a
    run on the mix (its recipe says so) that first makes the generated examples in the worker,
    with progress; Stop during that lands at once and keeps the model. Back to MNIST, a run's
    recipe says MNIST again. A scratch cache folder, so nothing is read from or left in the
    user's."""
    cache = tempfile.mkdtemp(prefix="digitpad-train-cache-")
    try:
        with Session(screen=SCREEN, env={"DIGITPAD_MNIST_DIR": MNIST,
                                         "XDG_CACHE_HOME": cache}) as s:
            s.resize(*WINDOW)
            s.wait_idle()
            open_train_tab(s)
            m = s.wait_for(r"train: data (ok|error)", timeout=60)
            s.wait_idle()
            m = pick_data(s, 1)
            tap.ok(m is not None and m.group(1) == "mix",
                   "the Training data dropdown picks MNIST + fonts + not a digit",
                   s.log_text()[-1500:])
            type_into(s, "limit", "2000")
            s.wait_idle()
            mark = s.mark()
            click_train(s, "start")
            started = s.wait_for(r"train: start (.*) on (\d+) images", timeout=5, since=mark)
            tap.ok(started is not None and "data mix" in started.group(1),
                   "Start runs on the mix: the run's recipe says data mix",
                   started.group(0) if started else s.log_text(mark)[-1500:])
            making = s.wait_for(r"train: making the data mix (\d+)/(\d+)", timeout=30,
                                since=mark)
            tap.ok(making is not None and int(making.group(2)) > 0,
                   "the worker makes the generated examples, with progress",
                   s.log_text(mark)[-1500:])
            click_train(s, "stop")
            stop = s.wait_for(r"train: stop requested", timeout=5, since=mark)
            end = wait_end(s, mark, 10)
            took = (log_time(end.string) - log_time(stop.string)) if stop and end else None
            tap.ok(end is not None and end.group(1) == "cancelled" and took is not None
                   and took < 2.0,
                   "Stop while the mix is being made cancels at once (%s s)"
                   % ("%.3f" % took if took is not None else "?"), s.log_text(mark)[-1500:])
            tap.ok(not s.find_all(EPOCH, since=mark) and not s.find_all(r"model loaded",
                                                                       since=mark),
                   "no epoch ran and no model was loaded")
            s.wait_idle()
            m = pick_data(s, 0)
            s.wait_idle()
            mark = s.mark()
            click_train(s, "start")
            started = s.wait_for(r"train: start (.*) on (\d+) images", timeout=5, since=mark)
            tap.ok(m is not None and m.group(1) == "mnist" and started is not None
                   and "data mix" not in started.group(1),
                   "back to MNIST: the run's recipe has no mix",
                   started.group(0) if started else s.log_text(mark)[-1500:])
            s.wait_idle()  # the Stop button is laid out
            if "stop" in train_layout(s):
                click_train(s, "stop")
            wait_end(s, mark, 30)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main():
    t0 = time.time()
    # no data needed: the first run and an offline download
    for session in (first_run_session, offline_session):
        try:
            session()
        except Exception as e:  # a harness failure is a failed test, with its reason
            tap.ok(False, "%s ran to its end" % session.__name__, repr(e))
    if not os.path.exists(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz")):
        tap.skip("the Train tab with MNIST", "no MNIST copy (set DIGITPAD_MNIST_DIR)")
        return tap.done()
    try:
        real_data_session()
    except Exception as e:  # a harness failure is a failed test, with its reason
        tap.ok(False, "the real-data session ran to its end", repr(e))

    try:
        mix_data_session()
    except Exception as e:
        tap.ok(False, "the mix-data session ran to its end", repr(e))

    try:
        download_session()
    except Exception as e:
        tap.ok(False, "the download session ran to its end", repr(e))

    try:
        default_size_session()
    except Exception as e:
        tap.ok(False, "the default-size session ran to its end", repr(e))

    tmp = tempfile.mkdtemp(prefix="digitpad-train-test-")
    try:
        bad_data_session("a missing folder", os.path.join(tmp, "nowhere"), "nowhere")
        corrupt = os.path.join(tmp, "corrupt")
        os.makedirs(corrupt)
        for n in os.listdir(MNIST):
            if n.endswith(".gz"):
                shutil.copy(os.path.join(MNIST, n), corrupt)
        # a truncated image file: its gzip stream ends early
        path = os.path.join(corrupt, "train-images-idx3-ubyte.gz")
        with open(path, "rb") as f:
            head = f.read(200000)
        with open(path, "wb") as f:
            f.write(head)
        bad_data_session("a corrupt folder", corrupt, "train-images-idx3-ubyte")
    except Exception as e:
        tap.ok(False, "the bad-data sessions ran to their end", repr(e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tap.diag("took %.0f s" % (time.time() - t0))
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
