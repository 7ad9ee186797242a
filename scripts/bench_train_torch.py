"""PyTorch peer for scripts/bench-train.ts: Embedding(1000,32) -> GRU(64) -> Linear(1), T=64, Adam, one thread.
Prints one JSON line: train seq/s at batch 256, batch-1 latency (median ms), batch-64 seq/s, batch-640 ms."""
import json
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)
VOCAB, EMBED, HIDDEN, T, BATCH = 1000, 32, 64, 64, 256
seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(VOCAB, EMBED)
        self.gru = torch.nn.GRU(EMBED, HIDDEN, batch_first=True)
        self.out = torch.nn.Linear(HIDDEN, 1)

    def forward(self, tokens):
        h, _ = self.gru(self.emb(tokens))
        return self.out(h).squeeze(-1)


net = Net()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
tokens = torch.randint(1, VOCAB, (BATCH, T))
labels = torch.randint(0, 2, (BATCH, 1)).float().expand(BATCH, T)
loss_fn = torch.nn.BCEWithLogitsLoss()


def step():
    opt.zero_grad()
    loss = loss_fn(net(tokens), labels)
    loss.backward()
    opt.step()


for _ in range(3):
    step()
n, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    step()
    n += 1
train = n * BATCH / (time.perf_counter() - start)


def timed(batch, reps):
    x = torch.randint(1, VOCAB, (batch, T))
    times = []
    with torch.no_grad():
        for _ in range(3):
            net(x)
        for _ in range(reps):
            t0 = time.perf_counter()
            net(x)
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


b1 = timed(1, 200)
b64 = timed(64, 30)
b640 = timed(640, 10)
print(json.dumps({"trainSeqPerS": train, "batch1Ms": b1, "batch64SeqPerS": 64 / b64 * 1000, "batch640Ms": b640, "torch": torch.__version__}))
