#!/usr/bin/python3
"""Counts the test cases in Meson's testlog.json files and prints 'N passed, N failed, N skipped'.

A TAP test contributes its subtests (each 'ok' / 'not ok' line of its output); any other test
counts as one. A TAP executable that crashed or timed out counts one extra failure, so a crash
after its last 'ok' is never hidden. Exits non-zero when anything failed.
"""
import json
import re
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError:
        print(f"{path}: no test log (the suite did not run)")
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        result = t["result"]
        out = t.get("stdout", "") or ""
        cases = [l for l in out.splitlines() if re.match(r"^\s*(not ok|ok)\b", l)]
        if cases:
            for c in cases:
                if re.search(r"#\s*skip", c, re.I):
                    skipped += 1
                elif re.match(r"^\s*ok\b", c):
                    passed += 1
                else:
                    failed += 1
            if result not in ("OK", "EXPECTEDFAIL", "SKIP") and not any(
                re.match(r"^\s*not ok", c) for c in cases
            ):
                failed += 1  # crashed or timed out after its last ok
        elif result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1

print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
