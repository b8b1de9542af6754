"""experiments/device_check.py: the pieces its quick mode runs on a CPU, and its arithmetic."""

import os
import sys

import jax
import pytest

from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, 'experiments'))
import benchlib  # noqa: E402
import device_attention  # noqa: E402
import device_check  # noqa: E402
import device_steps  # noqa: E402
import devicelib  # noqa: E402

from seqlab.tasks.causal_lm import CausalLM  # noqa: E402


@pytest.fixture(scope='module')
def attention_rows():
    case = device_attention.Case(batch=1, length=32, heads=2, head_dim=16, causal=True)
    return {row.backend: row for row in device_attention.measure_case(case, 1, lambda _: None)}


def test_attention_rows_on_cpu_time_and_match_the_float32_reference(attention_rows):
    """xla and chunked run in bf16 within bf16 tolerance of naive in float32; the GPU-only
    backends carry the reason the platform refuses them and no numbers."""
    for backend in ('naive', 'xla', 'chunked'):
        row = attention_rows[backend]
        assert row.seconds > 0 and not row.why_not, row
        assert row.within_tolerance, row.errors
        assert all(0 < row.errors[name] < 0.05 for name in device_attention.TENSORS), row.errors
    for backend in ('cudnn', 'pallas'):
        row = attention_rows[backend]
        assert row.seconds is None and not row.errors
        assert f"attention='{backend}' needs a GPU" in row.why_not
        assert 'this platform (cpu) has: auto, naive, xla, chunked' in row.why_not
    assert device_attention.speedup(list(attention_rows.values()), attention_rows['cudnn']) is None


def test_attention_goal_is_judged_on_the_slowest_case_at_the_goal_length():
    def row(backend, batch, seconds, length=device_attention.GOAL_LENGTH):
        case = device_attention.Case(batch, length, 8, 64, causal=False)
        return device_attention.Row(backend, case, seconds)

    rows = [row('xla', 1, 3.0), row('cudnn', 1, 1.0), row('xla', 4, 12.0), row('cudnn', 4, 3.0)]
    rows += [row('xla', 1, 1.0, length=1024), row('cudnn', 1, 1.0, length=1024)]
    rows += [row('pallas', 1, 2.0), row('pallas', 4, None)]
    summary = device_attention.summary(rows)
    assert summary[0].endswith('slowest case: 3.00×; goal ≥ 3×: reached.'), summary
    assert summary[1].endswith('not measured; goal ≥ 3×: not measured.'), summary
    table = '\n'.join(device_attention.table(rows))
    assert '| cudnn | 4096 | no | 4 | 3000.00 | 4.00 | reached |' in table
    assert '| cudnn | 1024 | no | 1 | 1000.00 | 1.00 | - |' in table
    assert '| pallas | 4096 | no | 1 | 2000.00 | 1.50 | NOT reached |' in table


def test_judged():
    assert devicelib.judged(0.4, 0.4) == 'reached'
    assert devicelib.judged(0.399, 0.4) == 'NOT reached'
    assert devicelib.judged(None, 0.4) == 'not measured'


@pytest.mark.parametrize(
    'kind, dtype, expected',
    [
        ('NVIDIA H100 80GB HBM3', 'bfloat16', ('H100 SXM', 989e12)),
        ('NVIDIA H100 80GB HBM3', 'float32', ('H100 SXM', 495e12)),
        ('NVIDIA H100 PCIe', 'bfloat16', ('H100 PCIe', 756e12)),
        ('NVIDIA H200', 'bfloat16', ('H200', 989e12)),
        ('NVIDIA A100-SXM4-40GB', 'float32', ('A100', 156e12)),
        ('NVIDIA A100 80GB PCIe', 'bfloat16', ('A100', 312e12)),
        ('NVIDIA H100 NVL', 'bfloat16', None),
        ('cpu', 'bfloat16', None),
    ],
)
def test_nominal_peaks_by_device_kind(kind, dtype, expected):
    assert devicelib.nominal_peak(kind, dtype) == expected


def test_mfu_and_the_gpt_goal_line():
    assert devicelib.mfu(flops=4e12, seconds=0.01, peak=1e15) == pytest.approx(0.4)
    result = device_steps.StepResult('GPT', 'bfloat16', 'cudnn', 16384, 'tokens', 0.01, 3.9e12)
    assert device_check.gpt_goal(result, ('H100 SXM', 1e15), 5e14).endswith(
        '(nominal): 39.0%, NOT reached.'
    )
    assert device_check.gpt_goal(result, None, 5e14).endswith('(measured matmul): 78.0%, reached.')
    assert device_check.gpt_goal(None, None, 5e14).endswith('not measured.')
    row = device_check.step_row(result, {'bfloat16': None}, {'bfloat16': 5e14})
    assert row[3:] == ['10.00', '100.00', '1,638,400 tokens', '3,900.00', '-', '78.0%']


def test_gpt_step_flops_are_the_model_flops_with_full_attention():
    """XLA's count of the lowered step ≈ 6 x (matmul parameters) x tokens (the tied output layer
    included) + 12 x depth x T^2 x width per sequence for attention, plus the elementwise rest."""
    shape = device_steps.GptShape(batch=2, length=32, depth=2, width=64, heads=2, vocab=256)
    model = device_steps.gpt(shape, 'float32', attention='naive')
    flops = benchlib.lowered_step_flops(model, device_steps.gpt_batch(shape), CausalLM())
    matmul_params = shape.depth * 12 * shape.width**2 + shape.vocab * shape.width
    attention = 12 * shape.depth * shape.length**2 * shape.width * shape.batch
    expected = 6 * matmul_params * shape.tokens + attention
    assert expected < flops < 1.15 * expected


def test_quick_attention_section_writes_its_results_file(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    out = tmp_path / 'device_check.md'
    argv = ['--quick', '--sections=attention', '--attention_lengths=16', '--attention_batches=1']
    device_check.main([*argv, '--rounds=1', f'--out={out}'])
    text = out.read_text()
    assert text.startswith('# Device check\n')
    assert 'Command: `python experiments/device_check.py --quick --sections=attention' in text
    assert '--out=<outside>/device_check.md`' in text and REPO not in text
    assert 'Quick mode (`--quick`)' in text and jax.__version__ in text
    assert '## Attention backends at long sequences' in text
    assert '| cudnn | 16 | yes | 1 | - | - | - |' in text
    assert 'no such case in this run' in text
