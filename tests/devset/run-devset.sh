#!/bin/sh
# run-devset.sh: a model on the development set (issue 12 item 4), one table.
#
#     tests/devset/run-devset.sh MODEL [OUT_DIR]        (or: make devset MODEL=…)
#
# Builds the development set once into OUT_DIR (default build/devset; delete it to build it
# again): `digitpad-cli synth --dev` (the held-out fonts' digits and non-digits as an IDX pair,
# held-out drawn digits and drawn non-digits as strokes files) and tests/devset/lead-hand.py
# (another writer's digits and non-digits as strokes files); the fonts' pair is split here into
# its digits and its non-digits. Then prints, for MODEL, per part of digits the accuracy with a
# refusal counted as wrong and the share refused, per part of non-digits the share refused, and
# MNIST's test set (DIGITPAD_MNIST_DIR, default ../shared/mnist beside the source tree): accuracy,
# share refused and calibration error. Every figure comes from `digitpad-cli eval` (its lines);
# the CLI is $DIGITPAD_CLI or build/src/cli/digitpad-cli. Deterministic: the same model gives the
# same table.
set -eu

usage() {
  echo "usage: $0 MODEL [OUT_DIR]" >&2
  exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
MODEL=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${2:-$ROOT/build/devset}
CLI=${DIGITPAD_CLI:-$ROOT/build/src/cli/digitpad-cli}
MNIST=${DIGITPAD_MNIST_DIR:-$ROOT/../shared/mnist}
PY=/usr/bin/python3

[ -f "$MODEL" ] || { echo "$0: $MODEL: no such model file" >&2; exit 1; }
[ -x "$CLI" ] || { echo "$0: $CLI: not built (meson compile -C build)" >&2; exit 1; }
[ -d "$MNIST" ] || { echo "$0: $MNIST: no MNIST folder (set DIGITPAD_MNIST_DIR)" >&2; exit 1; }

# --- the development set, built once ---------------------------------------------------------
if [ ! -f "$OUT/complete" ]; then
  echo "building the development set in $OUT (once) ..." >&2
  rm -rf "$OUT"
  mkdir -p "$OUT"
  "$CLI" synth --dev --out "$OUT" >&2
  $PY "$ROOT/tests/devset/lead-hand.py" "$OUT" >&2
  # the fonts' pair → dev-fonts-digits-* (labels 0–9) and dev-fonts-negatives-* (label 10)
  $PY - "$OUT" <<'EOF'
import glob, gzip, os, struct, sys
out = sys.argv[1]
images_path = glob.glob(os.path.join(out, "dev-fonts-images-idx3-ubyte*"))[0]
labels_path = glob.glob(os.path.join(out, "dev-fonts-labels-idx1-ubyte*"))[0]
op = lambda p: gzip.open(p, "rb") if p.endswith(".gz") else open(p, "rb")
with op(images_path) as f:
    magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
    pixels = f.read()
with op(labels_path) as f:
    _, n_labels = struct.unpack(">II", f.read(8))
    labels = f.read()
assert magic == 0x803 and n == n_labels == len(labels) and len(pixels) == n * rows * cols
size = rows * cols
for part, keep in (("digits", lambda l: l < 10), ("negatives", lambda l: l == 10)):
    idx = [i for i in range(n) if keep(labels[i])]
    with gzip.GzipFile(os.path.join(out, "dev-fonts-%s-images-idx3-ubyte.gz" % part), "wb", mtime=0) as f:
        f.write(struct.pack(">IIII", 0x803, len(idx), rows, cols))
        f.write(b"".join(pixels[i * size:(i + 1) * size] for i in idx))
    with gzip.GzipFile(os.path.join(out, "dev-fonts-%s-labels-idx1-ubyte.gz" % part), "wb", mtime=0) as f:
        f.write(struct.pack(">II", 0x801, len(idx)) + bytes(labels[i] for i in idx))
EOF
  touch "$OUT/complete"
fi

# --- the figures -------------------------------------------------------------------------------
# eval's report → "ACCURACY REFUSED NEGATIVES ECE" ("-" where the report has no such line): the
# accuracy with a refusal counted as wrong (a 10-output model: the plain accuracy), the share of
# digits refused, the share of --negatives refused, the calibration error
figures() {
  "$CLI" eval "$MODEL" "$@" | awk '
    /^accuracy: /                            { plain = $2 }
    /^accuracy, a refusal counted as wrong: / { acc = $7 }
    /^digits refused: /                      { ref = $3 }
    /^negatives refused: /                   { neg = $3 }
    /^calibration error /                    { ece = $NF }
    END { if (acc == "") acc = plain; if (ref == "") ref = "0.00";
          print acc, ref, (neg == "" ? "-" : neg), (ece == "" ? "-" : ece) }'
}
CAN_REFUSE=$("$CLI" predict --json "$MODEL" --strokes "$OUT/lead-digits.ndjson" 2>/dev/null \
  | head -n 1 | grep -c '"not_a_digit"' || true)

fonts_digits=$(figures --images "$OUT/dev-fonts-digits-images-idx3-ubyte.gz" \
                       --labels "$OUT/dev-fonts-digits-labels-idx1-ubyte.gz")
if [ "$CAN_REFUSE" = 1 ]; then
  drawn=$(figures --strokes "$OUT/dev-digits.ndjson" --negatives "$OUT/dev-negatives.ndjson")
  lead=$(figures --strokes "$OUT/lead-digits.ndjson" --negatives "$OUT/lead-negatives.ndjson")
  mnist=$(figures --data "$MNIST")
  # every image of this pair is labelled "not a digit": its accuracy is the share refused
  fonts_neg=$(figures --images "$OUT/dev-fonts-negatives-images-idx3-ubyte.gz" \
                      --labels "$OUT/dev-fonts-negatives-labels-idx1-ubyte.gz" | cut -d' ' -f1)
else
  # a 10-output model answers a digit for everything: no negative is refused
  drawn=$(figures --strokes "$OUT/dev-digits.ndjson")
  lead=$(figures --strokes "$OUT/lead-digits.ndjson")
  mnist=$(figures --data "$MNIST")
  fonts_neg=0.00
fi
count() { wc -l < "$1" | tr -d ' '; }
n_fonts() { $PY -c 'import gzip,struct,sys; print(struct.unpack(">II", gzip.open(sys.argv[1]).read(8))[1])' "$1"; }

echo "development set: $OUT"
echo "model: $MODEL$([ "$CAN_REFUSE" = 1 ] || echo ' (10 outputs: it cannot refuse)')"
printf '%-36s %7s %12s %10s\n' "digits (a refusal counted wrong)" "n" "accuracy %" "refused %"
row() { printf '%-36s %7s %12s %10s\n' "$1" "$2" "$(echo "$3" | cut -d' ' -f1)" "$(echo "$3" | cut -d' ' -f2)"; }
row "held-out fonts' digits" "$(n_fonts "$OUT/dev-fonts-digits-labels-idx1-ubyte.gz")" "$fonts_digits"
row "held-out drawn digits" "$(count "$OUT/dev-digits.ndjson")" "$drawn"
row "lead-hand digits" "$(count "$OUT/lead-digits.ndjson")" "$lead"
row "MNIST test" "10000" "$mnist"
printf '%-36s %7s %12s\n' "not digits" "n" "refused %"
nrow() { printf '%-36s %7s %12s\n' "$1" "$2" "$3"; }
nrow "held-out fonts' non-digits" "$(n_fonts "$OUT/dev-fonts-negatives-labels-idx1-ubyte.gz")" "$fonts_neg"
nrow "drawn non-digits" "$(count "$OUT/dev-negatives.ndjson")" "$(echo "$drawn" | cut -d' ' -f3 | sed 's/^-$/0.00/')"
nrow "lead-hand non-digits" "$(count "$OUT/lead-negatives.ndjson")" "$(echo "$lead" | cut -d' ' -f3 | sed 's/^-$/0.00/')"
echo "MNIST test calibration error (ECE): $(echo "$mnist" | cut -d' ' -f4)"
