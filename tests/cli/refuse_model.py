"""refuse_model.py: a digit model written by hand for the "not a digit" tests (tests/cli and
tests/gui): one softmax layer, 784 → 10 or 11, whose digit 3 grows with the amount of ink
against a "not a digit" output fixed at 0 (the other digits at −10): a thin stroke is "not a
digit" (the closest digit 3), a filled block is a 3. Standard library only."""

import json
import math
import struct

# logit 3 = INK_WEIGHT · Σ ink + BIAS_3, other digits −10, "not a digit" 0
INK_WEIGHT = 0.02
BIAS_3 = -4.0


def write_model(path, n_outputs=11, meta=None):
    """784 → n_outputs softmax, metadata as dp_model_save writes it"""
    weights, biases = [], []
    for k in range(n_outputs):
        weights.append([INK_WEIGHT if k == 3 else 0.0] * 784)
        biases.append(BIAS_3 if k == 3 else (0.0 if k == 10 else -10.0))
    metadata = {"format": "digitpad-mlp", "version": "1", "activations": "softmax",
                "loss": "softmax-ce", "input": "28x28"}
    if n_outputs == 11:
        metadata["refuse"] = "class"
    metadata.update(meta or {})
    w = struct.pack("<%df" % (784 * n_outputs), *[v for row in weights for v in row])
    b = struct.pack("<%df" % n_outputs, *biases)
    header = {"__metadata__": metadata,
              "layers.0.weight": {"dtype": "F32", "shape": [n_outputs, 784],
                                  "data_offsets": [0, len(w)]},
              "layers.0.bias": {"dtype": "F32", "shape": [n_outputs],
                                "data_offsets": [len(w), len(w) + len(b)]}}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + w + b)
    return path


def model_probs(ink, temperature=1.0, n_outputs=11):
    """the model's probabilities for an input holding ink in total, in double"""
    z = [(INK_WEIGHT * ink + BIAS_3) if k == 3 else (0.0 if k == 10 else -10.0)
         for k in range(n_outputs)]
    e = [math.exp(v / temperature) for v in z]
    return [v / sum(e) for v in e]
