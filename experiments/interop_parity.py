"""Logit parity of seqlab.interop with transformers: load, compare, export, reload, compare.

    pip install -r requirements-test.txt && python experiments/interop_parity.py

Random GPT-2, BERT and ViT models (4 layers, width 128, every parameter perturbed by N(0, 0.1^2)
so that no bias or LayerNorm stays at its initial value) are saved with save_pretrained, loaded
with interop.from_transformers and compared with transformers on the same inputs (BERT on the real
tokens of padded rows); then interop.to_transformers -> from_pretrained is compared with the
original. Writes results/interop_parity.md.
"""

import argparse
import tempfile

import jax.numpy as jnp
import numpy as np
import report
import torch
import transformers

from seqlab import interop

SIZE = dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=4, intermediate_size=512)


def perturbed(model: torch.nn.Module) -> torch.nn.Module:
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.1 * torch.randn(parameter.shape, generator=generator))
    return model.eval()


def torch_logits(model, *args, **kwargs) -> np.ndarray:
    with torch.no_grad():
        tensors = {k: torch.as_tensor(v) for k, v in kwargs.items()}
        return model(*[torch.as_tensor(a) for a in args], **tensors).logits.numpy()


def cases(rng: np.random.RandomState):
    """(name, transformers model, seqlab inputs, transformers kwargs, mask of compared logits)."""
    tokens = rng.randint(0, 1000, size=(4, 64))
    gpt2 = transformers.GPT2Config(
        vocab_size=1000,
        n_positions=64,
        n_embd=128,
        n_layer=4,
        n_head=4,
        bos_token_id=None,
        eos_token_id=None,
    )
    yield 'GPT-2', transformers.GPT2LMHeadModel(gpt2), (tokens,), dict(input_ids=tokens), None
    lengths = np.array([64, 50, 20, 5])
    mask = (np.arange(64)[None] < lengths[:, None]).astype(np.int64)
    bert = transformers.BertConfig(vocab_size=1000, max_position_embeddings=64, **SIZE)
    padded = dict(input_ids=tokens * mask, attention_mask=mask)
    yield 'BERT', transformers.BertForMaskedLM(bert), (tokens * mask, mask), padded, mask
    images = rng.rand(4, 32, 32, 3).astype(np.float32)
    vit = transformers.ViTConfig(image_size=32, patch_size=4, num_labels=10, **SIZE)
    pixels = dict(pixel_values=images.transpose(0, 3, 1, 2))
    yield 'ViT', transformers.ViTForImageClassification(vit), (images,), pixels, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--out', default='results/interop_parity.md', help='the results table (markdown)'
    )
    args = parser.parse_args()
    torch.manual_seed(0)
    rows = []
    for name, model, inputs, hf_inputs, mask in cases(np.random.RandomState(0)):
        model = perturbed(model)
        with tempfile.TemporaryDirectory() as saved, tempfile.TemporaryDirectory() as exported:
            model.save_pretrained(saved)
            ours_model, variables = interop.from_transformers(saved)
            ours = np.asarray(ours_model.apply(variables, *(jnp.asarray(x) for x in inputs)))
            theirs = torch_logits(model, **hf_inputs)
            interop.to_transformers(ours_model, variables, exported)
            back = torch_logits(type(model).from_pretrained(exported).eval(), **hf_inputs)
        real = slice(None) if mask is None else mask.astype(bool)
        rows.append(
            f'| {name} | {list(theirs.shape)} | {np.abs(theirs[real]).max():.2f} | '
            f'{np.abs(ours[real] - theirs[real]).max():.1e} | '
            f'{np.abs(back[real] - theirs[real]).max():.1e} |'
        )
        print(rows[-1], flush=True)
    table = '\n'.join(
        [
            f'# seqlab.interop logit parity (transformers {transformers.__version__}, float32)',
            '',
            '| model | logits | max abs logit | max diff load | max diff export+reload |',
            '|---|---|---|---|---|',
            *rows,
            '',
        ]
    )
    report.publish(table, args.out)


if __name__ == '__main__':
    main()
