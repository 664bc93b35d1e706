"""Reference timings for bench/mlp-epoch.ts, run with Debian's /usr/bin/python3 (python3-torch).

Reads the binarized MNIST rows and labels the TypeScript bench wrote (raw float32
and int32), then times, on the given number of CPU threads:
  dnn: a 784-200-10 sigmoid/softmax classifier, SGD momentum, the given epochs and
       batch size, with the training-set error and loss computed after every epoch
       (what Dnn.fit does); also the same loop without the per-epoch scoring;
  ae:  autoencoder 784-256-16-256-784 (ReLU, Bernoulli cross-entropy on logits), Adam, batch 64;
  vae: VAE 784-256-(16+16), 16-256-784 (reparameterisation, ELBO), Adam, batch 64.
Prints one JSON object; without torch it prints {"torch": null, "message": ...}.
"""
import json
import sys
import time

import numpy as np

try:
    import torch
    from torch import nn
except ImportError:  # the TypeScript side skips the PyTorch column
    print(json.dumps({"torch": None, "message": "python3-torch is not installed (apt-get install python3-torch)"}))
    sys.exit(0)


def dnn_epochs(x, y, epochs, batch, lr, momentum, score):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 200), nn.Sigmoid(), nn.Linear(200, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()
    n = x.shape[0]
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n)
        for i in range(0, n, batch):
            index = order[i : i + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
        if score:
            with torch.no_grad():
                logits = torch.cat([model(x[i : i + 1000]) for i in range(0, n, 1000)])
                error = (logits.argmax(1) != y).float().mean().item()
                _ = loss_fn(logits, y).item()
    seconds = time.perf_counter() - start
    return seconds, error if score else None


def generator_steps(x, kind, steps, batch=64, hidden=256, latent=16):
    torch.manual_seed(0)
    encoder = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, latent * (2 if kind == "vae" else 1)))
    decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 784))
    optimizer = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=0.001, eps=1e-7)
    bce = nn.BCEWithLogitsLoss(reduction="sum")
    n = x.shape[0]
    order = torch.randperm(n)
    start = time.perf_counter()
    for step in range(steps):
        i = (step * batch) % (n - batch)
        xb = x[order[i : i + batch]]
        optimizer.zero_grad()
        if kind == "vae":
            h = encoder(xb)
            mean, log_var = h[:, :latent], h[:, latent:]
            z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
            kl = 0.5 * torch.sum(torch.exp(log_var) + mean * mean - 1 - log_var)
            loss = (bce(decoder(z), xb) + kl) / batch
        else:
            loss = bce(decoder(encoder(xb)), xb) / batch
        loss.backward()
        optimizer.step()
    return (time.perf_counter() - start) / steps


def main() -> None:
    path, rows, threads, epochs, batch, lr, momentum, steps = (
        sys.argv[1],
        int(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
        int(sys.argv[5]),
        float(sys.argv[6]),
        float(sys.argv[7]),
        int(sys.argv[8]),
    )
    torch.set_num_threads(threads)
    x = torch.from_numpy(np.fromfile(path + ".x", dtype=np.float32).reshape(rows, 784))
    y = torch.from_numpy(np.fromfile(path + ".y", dtype=np.int32).astype(np.int64))
    dnn_seconds, dnn_error = dnn_epochs(x, y, epochs, batch, lr, momentum, score=True)
    dnn_train_only, _ = dnn_epochs(x, y, epochs, batch, lr, momentum, score=False)
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "dnn_seconds": dnn_seconds,
                "dnn_train_error": dnn_error,
                "dnn_train_only_seconds": dnn_train_only,
                "ae_step_seconds": generator_steps(x, "ae", steps),
                "vae_step_seconds": generator_steps(x, "vae", steps),
            }
        )
    )


if __name__ == "__main__":
    main()
