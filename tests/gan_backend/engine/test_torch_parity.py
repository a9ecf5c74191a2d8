"""The whole training step against PyTorch autograd + torch.optim.Adam (same weights,
same minibatches, float64): a check of the wiring that per-layer finite differences
cannot see (which gradient goes to which net, the G step through a frozen D, Adam's
bias correction). Skipped when torch (the optional `bench` extra) is absent."""
import copy

import numpy as np
import pytest

from gan_backend import GanConfig, GanTrainer

torch = pytest.importorskip("torch")


def _torch_copy(net):
    layers = []
    for i, d in enumerate(net.dense):
        lin = torch.nn.Linear(d.n_in, d.n_out, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(d.W.T.copy()))
            lin.bias.copy_(torch.from_numpy(d.b.copy()))
        layers.append(lin)
        if i < len(net.dense) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def _flat(tnet):
    return np.concatenate([np.r_[m.weight.detach().numpy().T.ravel(), m.bias.detach().numpy()]
                           for m in tnet if isinstance(m, torch.nn.Linear)])


@pytest.mark.parametrize("objective", ["nonsaturating", "minimax"])
def test_five_steps_match_torch(objective):
    F = torch.nn.functional
    b = 32
    x = np.random.default_rng(0).normal(size=(1000, 2))
    tr = GanTrainer(x, GanConfig(dtype="float64", batch_size=b, objective=objective), rng=0)
    G, D = _torch_copy(tr.G), _torch_copy(tr.D)
    opt_g = torch.optim.Adam(G.parameters(), 1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), 1e-4, betas=(0.5, 0.999))
    for _ in range(5):
        replay = copy.deepcopy(tr.rng)  # the draws tr.step() is about to make, in order
        xr = torch.from_numpy(tr.x.take(tr.sampler.sample(replay, b), axis=0))
        z1 = torch.from_numpy(replay.standard_normal((b, 5)))
        z2 = torch.from_numpy(replay.standard_normal((b, 5)))
        tr.step()
        v = D(torch.cat((xr, G(z1).detach())))
        d_loss = F.softplus(-v[:b]).mean() + F.softplus(v[b:]).mean()
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        v = D(G(z2))
        g_loss = F.softplus(-v).mean() if objective == "nonsaturating" else -F.softplus(v).mean()
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
    np.testing.assert_allclose(tr.D.params, _flat(D), rtol=0, atol=1e-10)
    np.testing.assert_allclose(tr.G.params, _flat(G), rtol=0, atol=1e-10)
