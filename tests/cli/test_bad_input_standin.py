#!/usr/bin/python3
"""The bad-input suite (test_bad_input.py) must be able to fail: run against a stand-in CLI that
says only "digitpad-cli: <the paths it was given>: error" and exits 1, every case must fail except
the huge-image one, which also accepts a prediction (the stand-in gives none, so it fails too).
One TAP case per case of the suite: "ok" when the suite caught the stand-in there.
Stdlib only, /usr/bin/python3; needs no CLI of ours.
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = """#!/usr/bin/python3
import os, sys
paths = [a for a in sys.argv[1:] if os.sep in a]
sys.stderr.write("digitpad-cli: %s: error\\n" % ", ".join(paths))
sys.exit(1)
"""


def main():
    with tempfile.TemporaryDirectory(prefix="digitpad-standin-") as d:
        cli = os.path.join(d, "digitpad-cli")
        with open(cli, "w") as f:
            f.write(STANDIN)
        os.chmod(cli, 0o755)
        env = dict(os.environ, DIGITPAD_CLI=cli)
        p = subprocess.run([sys.executable, os.path.join(HERE, "test_bad_input.py")], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    results = re.findall(r"^(ok|not ok) (\d+) - (.*)$", p.stdout, re.M)
    plan = re.search(r"^1\.\.(\d+)$", p.stdout, re.M)
    print(f"1..{len(results) + 1}")
    ok_plan = plan is not None and int(plan.group(1)) == len(results) and len(results) >= 60
    print(f"{'ok' if ok_plan else 'not ok'} 1 - the suite ran all its cases "
          f"({len(results)} of {plan.group(1) if plan else '?'}) and exited {p.returncode}")
    if not ok_plan or p.returncode == 0:
        print("# " + "\n# ".join(p.stdout.splitlines()[-20:]))
    for i, (verdict, n, title) in enumerate(results, 2):
        caught = verdict == "not ok"
        title = title.split(" # ")[0]  # not the case's own TAP directive (TODO) for this line
        print(f"{'ok' if caught else 'not ok'} {i} - the stand-in is caught by case {n}: {title}")
    return 0 if ok_plan and p.returncode != 0 and all(v == "not ok" for v, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
