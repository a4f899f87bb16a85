"""guitest.py: what the GUI tests share. Starts a private X server (Xvfb) and D-Bus session bus,
runs the real app on them, drives it with real X input through xdotool (pointer drags, clicks,
keys), reads the app's g_debug lines (G_MESSAGES_DEBUG=Digitpad) from its stderr, takes
screenshots with ImageMagick's `import`, and prints TAP. Everything it starts is killed at the end,
even when a test fails or raises.

    from guitest import Session, Tap
    tap = Tap()
    with Session() as s:
        s.drag_norm([(0.3, 0.2), (0.7, 0.2), (0.4, 0.8)])
        m = s.wait_for(r"prediction #\\d+: digit=(\\d) .* trigger=stroke-end")
        tap.ok(m is not None and m.group(1) == "7", "a 7")
    tap.done()

The app logs "layout: … pad=X,Y,SIDE predict=X,Y,W,H …" with positions inside its window; the
window's own position comes from xdotool, so clicks land on the real widgets.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

APP_ID = "io.github.digitpad.Digitpad"


class Tap:
    """TAP output: one line per check, the plan at the end."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print(("ok" if cond else "not ok") + " %d - %s" % (self.n, name), flush=True)
        if not cond and diag:
            self.diag(diag)
        return cond

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, why), flush=True)

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line, flush=True)

    def bail(self, why):
        print("Bail out! " + why, flush=True)
        sys.exit(1)

    def done(self):
        print("1..%d" % self.n, flush=True)
        return 1 if self.failed else 0


def _which(name):
    path = shutil.which(name)
    if path is None:
        raise RuntimeError("%s is not installed (see DEBS in the Makefile)" % name)
    return path


def app_path():
    """The built app: $DIGITPAD_APP, or build/src/app/digitpad from the source root."""
    path = os.environ.get("DIGITPAD_APP")
    if not path:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        path = os.path.join(root, "build", "src", "app", "digitpad")
    return path


class Session:
    """One X server + one session bus + the app. Use as a context manager."""

    def __init__(self, args=(), screen=(1400, 1000), env=None, settings_memory=True):
        self.args = list(args)
        self.screen = screen
        self.extra_env = env or {}
        self.settings_memory = settings_memory
        self.procs = []
        self.lines = []
        self.cond = threading.Condition()
        self.tmp = tempfile.mkdtemp(prefix="digitpad-gui-")
        self.wid = None
        self.app = None

    # --- start and stop -----------------------------------------------------------------

    def __enter__(self):
        try:
            self._start_x()
            self._start_bus()
            self.start_app()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _start_x(self):
        r, w = os.pipe()
        xvfb = subprocess.Popen(
            [_which("Xvfb"), "-displayfd", str(w), "-screen", "0",
             "%dx%dx24" % self.screen, "-nolisten", "tcp", "-noreset"],
            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self.procs.append(xvfb)
        os.close(w)
        data = b""
        deadline = time.time() + 15
        while not data.endswith(b"\n") and time.time() < deadline:
            chunk = os.read(r, 64)
            if not chunk:
                break
            data += chunk
        os.close(r)
        if not data.strip():
            raise RuntimeError("Xvfb did not start")
        self.display = ":" + data.decode().strip()

    def _start_bus(self):
        r, w = os.pipe()
        bus = subprocess.Popen(
            [_which("dbus-daemon"), "--session", "--nofork", "--print-address=%d" % w],
            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self.procs.append(bus)
        os.close(w)
        data = b""
        deadline = time.time() + 10
        while not data.endswith(b"\n") and time.time() < deadline:
            chunk = os.read(r, 256)
            if not chunk:
                break
            data += chunk
        os.close(r)
        if not data.strip():
            raise RuntimeError("dbus-daemon did not start")
        self.bus = data.decode().strip()

    def env(self):
        env = dict(os.environ)
        env.update({
            "DISPLAY": self.display,
            "DBUS_SESSION_BUS_ADDRESS": self.bus,
            "GDK_BACKEND": "x11",
            "GSK_RENDERER": "cairo",
            "G_MESSAGES_DEBUG": "Digitpad",
            "NO_AT_BRIDGE": "1",
            "GTK_A11Y": "none",
            "XDG_RUNTIME_DIR": self.tmp,
            "HOME": self.tmp,
            "XDG_CONFIG_HOME": os.path.join(self.tmp, "config"),
            "XDG_DATA_HOME": os.path.join(self.tmp, "data"),
            "XDG_CACHE_HOME": os.path.join(self.tmp, "cache"),
            "LC_ALL": "C.UTF-8",
        })
        if self.settings_memory:
            env["GSETTINGS_BACKEND"] = "memory"
        env.pop("WAYLAND_DISPLAY", None)
        env.update(self.extra_env)
        return env

    def start_app(self, timeout=30):
        self.lines = []
        self.app = subprocess.Popen([app_path()] + self.args, env=self.env(),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, start_new_session=True)
        self.procs.append(self.app)
        threading.Thread(target=self._read, args=(self.app.stderr,), daemon=True).start()
        self.wid = self._wait_window(timeout)
        if self.wait_for(r"layout: ", timeout=timeout, since=0) is None:
            raise RuntimeError("the app logged no layout line:\n" + self.log_text())
        self.wait_idle()
        return self.wid

    def _read(self, stream):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()

    def _wait_window(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.app.poll() is not None:
                raise RuntimeError("the app exited with %s:\n%s" % (self.app.returncode,
                                                                    self.log_text()))
            out = self.xdo("search", "--onlyvisible", "--name", "^Digitpad$", check=False)
            ids = out.split()
            if ids:
                return ids[-1]
            time.sleep(0.1)
        raise RuntimeError("no Digitpad window after %ds:\n%s" % (timeout, self.log_text()))

    def quit_app(self, timeout=10):
        """Close the window the way a user does (Ctrl+Q), and wait for the process to end."""
        if self.app is None or self.app.poll() is not None:
            return self.app.returncode if self.app else None
        self.key("ctrl+q")
        try:
            return self.app.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill(self.app)
            return None

    def _kill(self, proc):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                proc.terminate()
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    proc.kill()
                proc.wait(3)

    def close(self):
        for proc in reversed(self.procs):
            self._kill(proc)
        self.procs = []
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- the log ------------------------------------------------------------------------

    def mark(self):
        """An index into the log: wait_for(…, since=mark) only looks at later lines."""
        with self.cond:
            return len(self.lines)

    def log_text(self, since=0):
        with self.cond:
            return "\n".join(self.lines[since:])

    def wait_for(self, pattern, timeout=5.0, since=None):
        """The first line matching pattern at or after since (default: any line); or None."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        i = 0 if since is None else since
        with self.cond:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    i += 1
                    if m:
                        return m
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def find_all(self, pattern, since=0):
        rx = re.compile(pattern)
        with self.cond:
            return [m for m in (rx.search(l) for l in self.lines[since:]) if m]

    def wait_idle(self, quiet=0.3, timeout=5.0):
        """Wait until the app has logged nothing for `quiet` seconds."""
        deadline = time.time() + timeout
        n = self.mark()
        last = time.time()
        while time.time() < deadline:
            time.sleep(0.05)
            m = self.mark()
            if m != n:
                n, last = m, time.time()
            elif time.time() - last >= quiet:
                return True
        return False

    # --- X ------------------------------------------------------------------------------

    def xdo(self, *args, check=True, timeout=30):
        res = subprocess.run([_which("xdotool")] + [str(a) for a in args], env=self.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        if check and res.returncode != 0:
            raise RuntimeError("xdotool %s: %s" % (" ".join(map(str, args)),
                                                   res.stderr.decode(errors="replace")))
        return res.stdout.decode(errors="replace")

    def window_geometry(self, wid=None):
        out = self.xdo("getwindowgeometry", "--shell", wid or self.wid)
        g = dict(l.split("=", 1) for l in out.split() if "=" in l)
        return int(g["X"]), int(g["Y"]), int(g["WIDTH"]), int(g["HEIGHT"])

    def layout(self):
        """The latest layout line: {'pad': (x, y, side), 'predict': (x, y, w, h), …} in screen
        coordinates, plus 'strokes' and 'window'."""
        lines = self.find_all(r"layout: (.*)$")
        if not lines:
            raise RuntimeError("no layout line")
        wx, wy, _, _ = self.window_geometry()
        out = {}
        for item in lines[-1].group(1).split():
            key, _, value = item.partition("=")
            nums = [int(v) for v in value.split(",")]
            if key in ("strokes",):
                out[key] = nums[0]
            elif key == "window":
                out[key] = tuple(nums)
            else:
                out[key] = (nums[0] + wx, nums[1] + wy) + tuple(nums[2:])
        return out

    def wait_layout(self, pattern, timeout=5.0, since=None):
        return self.wait_for(r"layout: .*" + pattern, timeout=timeout, since=since)

    def focus(self):
        self.xdo("windowactivate", "--sync", self.wid, check=False)
        self.xdo("windowfocus", "--sync", self.wid, check=False)

    def key(self, *keys):
        self.focus()
        self.xdo("key", "--delay", "30", *keys)

    def click_xy(self, x, y):
        self.xdo("mousemove", "--sync", int(x), int(y), "click", "1")

    def click(self, name):
        """Click the middle of a widget named in the layout line (predict, undo, clear, live …)."""
        x, y, w, h = self.layout()[name]
        self.click_xy(x + w / 2, y + h / 2)

    def drag(self, points, step=4.0, delay_ms=4):
        """A real pointer drag through screen points: press, move in steps of `step` px, release."""
        if not points:
            return
        pts = [(float(x), float(y)) for x, y in points]
        cmd = ["mousemove", "--sync", int(round(pts[0][0])), int(round(pts[0][1])),
               "mousedown", "1"]
        sleep = "%.3f" % (delay_ms / 1000.0)
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            dist = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
            n = max(1, int(dist / step))
            for k in range(1, n + 1):
                t = k / n
                cmd += ["mousemove", int(round(x0 + (x1 - x0) * t)),
                        int(round(y0 + (y1 - y0) * t)), "sleep", sleep]
        if len(pts) == 1:
            # a dot: a tiny move so the press is a drag
            cmd += ["mousemove", int(round(pts[0][0])) + 1, int(round(pts[0][1])), "sleep", sleep]
        cmd += ["mouseup", "1"]
        self.xdo(*cmd)

    def to_screen(self, x, y, region=(0.0, 0.0, 1.0)):
        """A point in 0..1 of `region` (left, top, size in 0..1 of the pad) → screen pixels."""
        px, py, side = self.layout()["pad"]
        rx, ry, rs = region
        return px + (rx + x * rs) * side, py + (ry + y * rs) * side

    def drag_norm(self, points, region=(0.0, 0.0, 1.0)):
        """A drag through points in 0..1 of the pad (or of a sub-square `region` of it)."""
        self.drag([self.to_screen(x, y, region) for x, y in points])

    def resize(self, width, height):
        self.xdo("windowsize", "--sync", self.wid, width, height, check=False)

    def screenshot(self, path, crop_window=True):
        """`import -window root` under Xvfb, cropped to the app window."""
        args = [_which("import"), "-display", self.display, "-window", "root"]
        if crop_window:
            x, y, w, h = self.window_geometry()
            args += ["-crop", "%dx%d+%d+%d" % (w, h, x, y), "+repage"]
        subprocess.run(args + [path], env=self.env(), check=True, timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return path

    def run_second_instance(self, *args, timeout=15):
        """`digitpad ARGS` while the app runs: GApplication hands ARGS to the running instance."""
        return subprocess.run([app_path()] + list(args), env=self.env(), timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def activate_action(self, name, *params_gvariant):
        """An app action through org.freedesktop.Application (what desktop shells use)."""
        params = "[%s]" % ", ".join("<%s>" % p for p in params_gvariant)
        return subprocess.run(
            [_which("gdbus"), "call", "--session", "--dest", APP_ID,
             "--object-path", "/" + APP_ID.replace(".", "/"),
             "--method", "org.freedesktop.Application.ActivateAction", name, params, "{}"],
            env=self.env(), timeout=15, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def windows(self):
        """Visible top-level windows of the app (the main window, dialogs)."""
        out = self.xdo("search", "--onlyvisible", "--pid", self.app.pid, check=False)
        return out.split()
