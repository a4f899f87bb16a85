#!/usr/bin/python3
"""test_strokes_file.py: the Draw page saves a drawing as a strokes record and opens one (issue 12
item 3). A fixture digit is drawn with real pointer drags; Ctrl+S with a .ndjson name saves it
as one JSON line (checked here: it parses, has the drawn strokes at the drawn place); Clear;
Ctrl+O opens it again as strokes on the pad, with the same prediction as before, and drawing on
it goes on from there. A file of several records (and a bad line) asks which record, by id,
and says the bad line was skipped; a file with only bad lines gets an error naming the file and the line.

Prints TAP. Runs the real app under its own Xvfb (tests/gui/guitest.py).
"""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import Session, Tap  # noqa: E402
from test_draw import (FIXTURES, brightness, close_dialogs, draw, load_fixture,  # noqa: E402
                       save_drawing, use_file_chooser, wait_pred)


def bbox(strokes):
    xs = [p[0] for st in strokes for p in st]
    ys = [p[1] for st in strokes for p in st]
    return min(xs), min(ys), max(xs), max(ys)


def main():
    tap = Tap()
    work = tempfile.mkdtemp(prefix="digitpad-gui-strokes-")
    try:
        with Session() as s:
            seven = load_fixture(os.path.join(FIXTURES, "digit-7-crossbar.txt"))
            # the window grows when the first result shows (the result panel's buttons), and the
            # pad with it: a first drawing, cleared, so that the pad stays put while the strokes
            # below are drawn and their places can be checked
            m = s.mark()
            draw(s, seven[:1])
            wait_pred(s, m)
            s.key("Delete")
            s.wait_for(r"cleared", since=m, timeout=3)
            s.wait_idle()
            m = s.mark()
            draw(s, seven)
            drawn = wait_pred(s, m, strokes=str(len(seven)))
            tap.ok(drawn is not None, "a drawn 7 is predicted", s.log_text(m))

            # --- save as a strokes record ------------------------------------------------
            saved = os.path.join(work, "seven.ndjson")
            m = s.mark()
            save_drawing(s, saved)
            got = s.wait_for(r"drawing saved: (.*)$", since=m, timeout=5)
            tap.ok(got is not None and got.group(1) == saved, "Ctrl+S with a .ndjson name saves",
                   s.log_text(m))
            record, lines = None, []
            if os.path.exists(saved):
                with open(saved, encoding="utf-8") as f:
                    lines = f.read().split("\n")
                try:
                    record = json.loads(lines[0])
                except ValueError as e:
                    tap.diag("not JSON: %s" % e)
            tap.ok(record is not None and len(lines) == 2 and lines[1] == ""
                   and isinstance(record.get("strokes"), list) and "label" not in record
                   and record.get("canvas") == [1000, 1000] and isinstance(record.get("time"), int),
                   "the file is one JSON record a line: strokes, time, canvas, no label",
                   "\n".join(lines)[:400])
            if record is not None:
                pts = [[(p[0] / 1000, p[1] / 1000) for p in st] for st in record["strokes"]]
                got_box, want_box = bbox(pts), bbox(seven)
                worst = max(abs(a - b) for a, b in zip(got_box, want_box))
                tap.ok(len(pts) == len(seven) and all(len(st) >= 2 for st in pts) and worst < 0.03,
                       "it holds the %d drawn strokes where they were drawn (box off by %.3f)"
                       % (len(seven), worst), repr(got_box) + " vs " + repr(want_box))
                tap.ok(s.wait_for(r"toast: .*seven\.ndjson", since=m, timeout=2) is not None,
                       "and a toast says it was saved")
            else:
                tap.ok(False, "it holds the drawn strokes where they were drawn")
                tap.ok(False, "and a toast says it was saved")

            # --- clear, then open it again ----------------------------------------------
            m = s.mark()
            s.key("Delete")
            s.wait_for(r"cleared", since=m, timeout=3)
            m = s.mark()
            use_file_chooser(s, "ctrl+o", saved, select_all=False)
            opened = s.wait_for(r"strokes opened: (.*) line 1$", since=m, timeout=5)
            again = wait_pred(s, m, trigger="strokes-file", strokes=str(len(seven)))
            tap.ok(opened is not None and opened.group(1) == saved,
                   "Ctrl+O opens the strokes file", s.log_text(m))
            tap.ok(drawn is not None and again is not None
                   and again.group(2) == drawn.group(2)
                   and abs(float(again.group(3)) - float(drawn.group(3))) < 0.002,
                   "the opened drawing gets the same prediction (%s / %s)"
                   % (drawn.group(2, 3) if drawn else None, again.group(2, 3) if again else None),
                   s.log_text(m))
            s.wait_idle()
            shot = s.screenshot(os.path.join(work, "opened.png"))
            wx, wy, _, _ = s.window_geometry()
            px, py, side = s.layout()["pad"]
            ink = brightness(shot, (px - wx + side // 4, py - wy + side // 4, side // 2, side // 2))
            tap.ok(ink < 0.97, "its strokes are drawn on the pad (mean %.3f)" % ink)

            # drawing goes on from the opened strokes (they are strokes, not an image)
            m = s.mark()
            s.drag_norm([(0.15, 0.9), (0.2, 0.92)])
            more = wait_pred(s, m, trigger="stroke-end", strokes=str(len(seven) + 1))
            tap.ok(more is not None, "a stroke drawn on it adds to its strokes", s.log_text(m))

            # --- several records and a bad line, from the command line: pick one by id -----
            with open(saved, encoding="utf-8") as f:
                line = f.readline().strip()
            one = json.dumps({"strokes": [[[500, 100], [500, 900]]], "id": "one"})
            several = os.path.join(work, "several.ndjson")
            with open(several, "w") as f:
                f.write('{"strokes": [[[0, 0], [1]]]}\n' + line + "\n" + one + "\n")
            m = s.mark()
            s.run_second_instance(several)
            asked = s.wait_for(r"strokes file: .*several\.ndjson holds 2 records: asking which",
                               since=m, timeout=5)
            toast = s.wait_for(r"toast: several\.ndjson: 1 bad line skipped", since=m, timeout=3)
            tap.ok(asked is not None and toast is not None,
                   "a file of several records asks which one, and says a bad line was skipped",
                   s.log_text(m))
            # the drop-down of ids: open it, the second one, then the Open button
            time.sleep(0.5)
            for key in ("space", "Down", "Return", "Tab", "Tab", "Return"):
                dialogs = [w for w in s.windows() if w != s.wid]
                if dialogs:
                    s.xdo("windowfocus", "--sync", dialogs[-1], check=False)
                s.xdo("key", key, check=False)
                time.sleep(0.3)
            opened = s.wait_for(r"strokes opened: .*several\.ndjson line 3$", since=m, timeout=5)
            one_pred = wait_pred(s, m, trigger="strokes-file", strokes="1")
            tap.ok(opened is not None and one_pred is not None,
                   "the record chosen by its id (\"one\", line 3) goes onto the pad",
                   s.log_text(m))
            # Escape: nothing changes
            m = s.mark()
            s.run_second_instance(several)
            s.wait_for(r"asking which", since=m, timeout=5)
            close_dialogs(s)
            tap.ok(s.wait_for(r"strokes file: cancel", since=m, timeout=3) is not None
                   and s.find_all(r"strokes opened", since=m) == [],
                   "Escape opens none of them", s.log_text(m))

            # --- only bad lines: an error naming the file and the line -------------------
            bad = os.path.join(work, "bad.ndjson")
            with open(bad, "w") as f:
                f.write('\n{"strokes": "none", "label": 3}\n')
            m = s.mark()
            s.run_second_instance(bad)
            tap.ok(s.wait_for(r"error dialog: Could not open the drawing: .*bad\.ndjson:2: "
                              r"'strokes' must be an array", since=m, timeout=5) is not None,
                   "a file with only bad lines gets an error naming the file and the line",
                   s.log_text(m))
            close_dialogs(s)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
