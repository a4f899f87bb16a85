#!/usr/bin/python3
"""check-potfiles.py: every source file with a translatable string (_("…"), N_("…"), C_("…"),
translatable="yes") is listed in po/POTFILES.in, and every file listed there exists, so no
string is silently left out of the catalogue. TAP output."""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = re.compile(r'\b[NC]?_\s*\(\s*"|translatable="yes"')


def main():
    with open(os.path.join(ROOT, "po", "POTFILES.in")) as f:
        listed = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    found = []
    for top in ("src", "ui", "resources"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                if not name.endswith((".c", ".ui")):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    if MARK.search(f.read()):
                        found.append(os.path.relpath(path, ROOT))
    missing = sorted(set(found) - set(listed))
    gone = [p for p in listed if not os.path.exists(os.path.join(ROOT, p))]
    checks = [("every file with translatable strings is in po/POTFILES.in", "not listed", missing),
              ("every file in po/POTFILES.in exists", "no such file", gone)]
    for n, (name, why, bad) in enumerate(checks, 1):
        print("%s %d - %s" % ("not ok" if bad else "ok", n, name))
        for path in bad:
            print("# %s: %s" % (why, path))
    print("1..%d" % len(checks))
    return 1 if missing or gone else 0


if __name__ == "__main__":
    sys.exit(main())
