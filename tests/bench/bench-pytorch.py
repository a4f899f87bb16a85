#!/usr/bin/python3
"""bench-pytorch.py: digitpad's training epoch against PyTorch's (`make bench`, after the main
benchmark). The same networks, loss, optimizer, batch and data as `digitpad-cli bench`'s rows
784-100-10 SGD and 784-800-10 Adam (ReLU, softmax + cross-entropy, batch 128, a shuffled pass over
MNIST's 60 000 training images), timed in one run, alternately, best of three epochs each:

- PyTorch (Debian's python3-torch, 1.13) on one thread and on every core, each epoch in a
  process of its own whose OpenBLAS (Debian's torch does its matrix products through the system's
  BLAS) has as many threads as torch: torch.set_num_threads alone left OpenBLAS's pool running
  beside torch's threads, and the one-thread epoch of 784-100-10 took 0.86 s instead of 0.55 s;
- digitpad-cli train on every core (as it trains) and on one thread. Its epoch time is the one
  it reports, which includes measuring the test set after the epoch: PyTorch's does not, so the
  ratio leans against digitpad.

Prints the CPU model and the ratios (PyTorch one thread / digitpad); the goals come from issue 11:
784-800-10 Adam ≥ 1.3×, 784-100-10 SGD ≥ 3×.

    tests/bench/bench-pytorch.py CLI MNIST_DIR
"""
import gzip
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

ROUNDS = 3


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and ":" in line:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "(CPU model unknown)"


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if struct.unpack(">I", data[:4])[0] != magic:
        sys.exit("%s: not an IDX file of the expected kind" % path)
    return data


def load_mnist(directory, np):
    images = read_idx(os.path.join(directory, "train-images-idx3-ubyte.gz"), 2051)
    labels = read_idx(os.path.join(directory, "train-labels-idx1-ubyte.gz"), 2049)
    n = struct.unpack(">I", images[4:8])[0]
    X = np.frombuffer(images, dtype=np.uint8, offset=16).reshape(n, 784).astype(np.float32) / 255
    y = np.frombuffer(labels, dtype=np.uint8, offset=8).astype(np.int64)
    return X, y


def torch_epoch(torch, X, y, hidden, optimizer, threads):
    """seconds of one epoch: shuffle, gather each batch, forward, loss, backward, step"""
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(784, hidden), torch.nn.ReLU(),
                                torch.nn.Linear(hidden, 10))
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = X.shape[0]
    t0 = time.perf_counter()
    perm = torch.randperm(n)
    for i in range(0, n, 128):
        idx = perm[i:i + 128]
        xb, yb = X[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def digitpad_epoch(cli, data, hidden, optimizer, threads):
    """the least of the epoch times `digitpad-cli train` reports over two epochs"""
    lr = "0.001" if optimizer == "adam" else "0.1"
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([cli, "train", "--hidden", str(hidden), "--activation", "relu",
                            "--loss", "softmax-ce", "--optimizer", optimizer, "--lr", lr,
                            "--schedule", "constant", "--batch", "128", "--epochs", "2",
                            "--threads", str(threads), "--data", data,
                            "--out", os.path.join(tmp, "m.safetensors")],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
    times = [float(t) for t in re.findall(r"^epoch \d+/2 .* ([0-9.]+) s$", p.stderr, re.M)]
    if p.returncode != 0 or len(times) != 2:
        sys.exit("digitpad-cli train failed:\n" + p.stderr)
    return min(times)


def torch_epoch_process(data, hidden, optimizer, threads):
    """torch_epoch in a process of its own, with OpenBLAS's threads set to match"""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-epoch", data,
                        str(hidden), optimizer, str(threads)],
                       env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("the PyTorch epoch failed:\n" + p.stderr)
    return float(p.stdout)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "--torch-epoch":
        import numpy as np
        import torch
        data, hidden, optimizer, threads = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
        X, y = load_mnist(data, np)
        print(torch_epoch(torch, torch.from_numpy(X), torch.from_numpy(y), hidden, optimizer,
                          threads))
        return
    if len(sys.argv) != 3:
        sys.exit("usage: bench-pytorch.py CLI MNIST_DIR")
    cli, data = sys.argv[1], sys.argv[2]
    try:
        import numpy  # noqa: F401 (the epochs' processes need them)
        import torch
    except ImportError as e:
        print("PyTorch comparison skipped: %s (Debian's python3-torch; `make bench` installs it)"
              % e)
        return
    cores = os.cpu_count() or 1
    print("\ndigitpad against PyTorch %s on %s, %d core%s: one epoch, best of %d, alternately"
          % (torch.__version__, cpu_model(), cores, "" if cores == 1 else "s", ROUNDS))
    print("(digitpad's epoch includes measuring the test set; PyTorch's does not)")
    print("%-12s %-5s %11s %11s %11s %11s %9s %s" % ("network", "opt", "torch 1 th", "torch all",
                                                     "ours 1 th", "ours all", "ratio",
                                                     "(torch 1 thread / ours all cores)"))
    goals = {("784-100-10", "sgd"): 3.0, ("784-800-10", "adam"): 1.3}
    for hidden, optimizer in ((100, "sgd"), (800, "adam")):
        best = {"t1": [], "ta": [], "o1": [], "oa": []}
        for _ in range(ROUNDS):
            best["t1"].append(torch_epoch_process(data, hidden, optimizer, 1))
            best["oa"].append(digitpad_epoch(cli, data, hidden, optimizer, 0))
            best["ta"].append(torch_epoch_process(data, hidden, optimizer, cores))
            best["o1"].append(digitpad_epoch(cli, data, hidden, optimizer, 1))
        t1, ta, o1, oa = (min(best[k]) for k in ("t1", "ta", "o1", "oa"))
        name = "784-%d-10" % hidden
        goal = goals[(name, optimizer)]
        ratio = t1 / oa
        print("%-12s %-5s %10.3fs %10.3fs %10.3fs %10.3fs %8.2f× %s" % (
            name, optimizer, t1, ta, o1, oa, ratio,
            "ok (goal ≥ %.1f×)" % goal if ratio >= goal else "BELOW the goal of %.1f×" % goal))
        sys.stdout.flush()


main()
