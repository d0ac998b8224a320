"""Quickstart: train a tiny two-layer network on XOR and print its gradients.

Run: python demos/quickstart.py
"""

import numpy as np

import autograd_lite as ag


def main(steps: int = 500, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    t = np.array([0, 1, 1, 0])
    W1 = ag.Tensor(rng.normal(0, 1.0, (2, 8)), name="W1")
    b1 = ag.Tensor(np.zeros(8), name="b1")
    W2 = ag.Tensor(rng.normal(0, 1.0, (8, 2)), name="W2")
    b2 = ag.Tensor(np.zeros(2), name="b2")
    params = [W1, b1, W2, b2]
    for step in range(steps):
        h = ag.affine(x, W1, b1).tanh()
        loss = ag.softmax_with_loss(ag.affine(h, W2, b2), t)
        for p in params:
            p.zero_grad()
        loss.backward()
        for p in params:
            p.data -= 0.5 * p.grad
        if step % 100 == 0 or step == steps - 1:
            print(f"step {step:4d}  loss {loss.item():.4f}")
    with ag.no_grad():
        pred = ag.affine(ag.affine(x, W1, b1).tanh(), W2, b2).data.argmax(axis=1)
    print("predictions", pred, "targets", t)
    for p in params:
        print(f"{p.name}.grad  shape {p.grad.shape}  max |g| {np.abs(p.grad).max():.2e}")
    return loss.item()


if __name__ == "__main__":
    main()
