#!/usr/bin/python3
"""dnd-source.py FILE: a tiny GTK 4 window that offers FILE as a drag source (a file list, as a
file manager does), so the GUI tests can drop a real file on the pad with real pointer drags:
xdotool alone cannot start an XDND drag, it needs a client that owns the selection."""
import sys

import gi

gi.require_version("Gtk", "4.0")
gi.require_version("Gdk", "4.0")
from gi.repository import Gdk, Gio, GObject, Gtk  # noqa: E402


def on_activate(app, path):
    win = Gtk.ApplicationWindow(application=app, title="Digitpad drag source")
    win.set_default_size(220, 160)
    label = Gtk.Label(label="drag me")
    files = Gdk.FileList.new_from_list([Gio.File.new_for_path(path)])
    value = GObject.Value(Gdk.FileList, files)
    source = Gtk.DragSource(actions=Gdk.DragAction.COPY)
    source.set_content(Gdk.ContentProvider.new_for_value(value))
    source.connect("drag-end", lambda *a: print("drag-end", flush=True))
    label.add_controller(source)
    win.set_child(label)
    win.present()


def main():
    app = Gtk.Application(application_id="io.github.digitpad.DndSource",
                          flags=Gio.ApplicationFlags.NON_UNIQUE)
    app.connect("activate", on_activate, sys.argv[1])
    return app.run([sys.argv[0]])


if __name__ == "__main__":
    sys.exit(main())
