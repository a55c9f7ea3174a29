"""tdBN: equals time-merged BatchNorm scaled by alpha*V_th; running stats; eval mode; errors."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from neurokit.errors import ConfigError, SchemaError  # noqa: E402
from neurokit.snn.layers import TemporalBatchNorm  # noqa: E402


@pytest.mark.parametrize("shape, bn_cls", [((5, 4, 3), torch.nn.BatchNorm1d),
                                           ((5, 4, 3, 6, 6), torch.nn.BatchNorm2d)])
def test_equals_merged_batchnorm(shape, bn_cls):
    g = torch.Generator().manual_seed(0)
    tdbn = TemporalBatchNorm(3, v_threshold=0.5, alpha=0.7)
    ref = bn_cls(3)
    for _ in range(3):              # training: batch statistics and running estimates
        x = torch.randn(shape, generator=g) * 3 + 1
        y = tdbn(x)
        y_ref = ref(x.flatten(0, 1)).view(shape) * 0.35
        torch.testing.assert_close(y, y_ref)
    torch.testing.assert_close(tdbn.running_mean, ref.running_mean)
    torch.testing.assert_close(tdbn.running_var, ref.running_var)
    assert int(tdbn.num_batches_tracked) == 3
    # statistics per channel over (T, B, spatial): mean 0, std alpha*V_th
    per_channel = y.transpose(0, 2).flatten(1)
    torch.testing.assert_close(per_channel.mean(1), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(per_channel.std(1, unbiased=False), torch.full((3,), 0.35),
                               atol=1e-4, rtol=0)
    # eval: running statistics, no update
    tdbn.eval()
    ref.eval()
    x = torch.randn(shape, generator=g)
    before = tdbn.running_mean.clone()
    torch.testing.assert_close(tdbn(x), ref(x.flatten(0, 1)).view(shape) * 0.35)
    assert torch.equal(tdbn.running_mean, before)
    expected = (x - before.view(-1, *[1] * (len(shape) - 3))) \
        / torch.sqrt(tdbn.running_var.view(-1, *[1] * (len(shape) - 3)) + 1e-5) * 0.35
    torch.testing.assert_close(tdbn(x), expected)


def test_affine_and_gradients():
    tdbn = TemporalBatchNorm(2)
    with torch.no_grad():
        tdbn.weight.copy_(torch.tensor([2.0, 0.5]))
        tdbn.bias.copy_(torch.tensor([1.0, -1.0]))
    x = torch.randn(4, 3, 2, requires_grad=True)
    y = tdbn(x)
    torch.testing.assert_close(y.mean((0, 1)), torch.tensor([1.0, -1.0]))
    torch.testing.assert_close(y.std((0, 1), unbiased=False), torch.tensor([2.0, 0.5]),
                               atol=1e-4, rtol=0)
    y.pow(2).sum().backward()
    assert x.grad is not None and tdbn.weight.grad is not None and tdbn.bias.grad is not None


def test_cumulative_momentum_and_errors():
    tdbn = TemporalBatchNorm(2, momentum=None)
    xs = [torch.randn(3, 4, 2) + i for i in range(3)]
    for x in xs:
        tdbn(x)
    mean = torch.stack([x.mean((0, 1)) for x in xs]).mean(0)
    torch.testing.assert_close(tdbn.running_mean, mean)
    with pytest.raises(SchemaError):
        tdbn(torch.randn(3, 4, 5))
    with pytest.raises(SchemaError):
        tdbn(torch.randn(4, 2))
    with pytest.raises(ConfigError):
        TemporalBatchNorm(0)
    with pytest.raises(ConfigError):
        TemporalBatchNorm(2, v_threshold=-1.0)
