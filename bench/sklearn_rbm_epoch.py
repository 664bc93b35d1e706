"""Reference timings for bench/rbm-epoch.ts, run with Debian's /usr/bin/python3.

Reads the binarized MNIST matrix the TypeScript bench wrote (raw float32,
row-major), times one epoch of scikit-learn's BernoulliRBM with the same
hyperparameters, and measures numpy's float32 matmul GFLOP/s on the shapes
of one CD-1 step. Prints one JSON object.
"""
import json
import sys
import time

import numpy as np
from sklearn.neural_network import BernoulliRBM


def matmul_gflops(n_visible: int, n_hidden: int, batch: int, repeats: int = 300) -> dict:
    rng = np.random.default_rng(0)
    v = rng.random((batch, n_visible), dtype=np.float32)
    w = rng.random((n_visible, n_hidden), dtype=np.float32)
    h = rng.random((batch, n_hidden), dtype=np.float32)
    results = {}
    shapes = {
        "v_w": (lambda: v @ w, 2 * batch * n_visible * n_hidden),
        "h_wT": (lambda: h @ w.T, 2 * batch * n_visible * n_hidden),
        "vT_h": (lambda: v.T @ h, 2 * batch * n_visible * n_hidden),
    }
    for name, (product, flops) in shapes.items():
        for _ in range(20):
            product()
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(repeats):
                product()
            best = min(best, time.perf_counter() - start)
        results[name] = flops * repeats / best / 1e9
    return results


def main() -> None:
    path, rows, cols, hidden, batch, lr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    repeats = int(sys.argv[7]) if len(sys.argv) > 7 else 1
    x = np.fromfile(path, dtype=np.float32).reshape(rows, cols)
    gflops = matmul_gflops(cols, hidden, batch)
    times = []
    for _ in range(repeats):
        rbm = BernoulliRBM(n_components=hidden, learning_rate=lr, batch_size=batch, n_iter=1, random_state=0)
        start = time.perf_counter()
        rbm.fit(x)
        times.append(time.perf_counter() - start)
    seconds = min(times)
    import sklearn

    print(json.dumps({
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "sklearn_seconds": seconds,
        "sklearn_all_seconds": times,
        "numpy_matmul_gflops": gflops,
    }))


if __name__ == "__main__":
    main()
