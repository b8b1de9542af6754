"""The benchmark ViT written in PyTorch, as a PyTorch user would (timm-style blocks), and its step.

Same architecture and shapes as seqlab's ViT in `benchlib.VitShape`: patch convolution, learned
positions, pre-LN blocks (fused QKV projection, `scaled_dot_product_attention`, tanh GELU MLP),
final LayerNorm, mean pooling, linear head; cross-entropy and Adam. Benchmark-only: seqlab never
imports torch (requirements-bench.txt installs the CPU build).
"""

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from benchlib import VitShape
from torch import nn

LAYER_NORM_EPSILON = 1e-6


class Block(nn.Module):
    """x + MHA(LN(x)), then + MLP(LN(.)). x: [B, T, D] -> [B, T, D]."""

    def __init__(self, width: int, heads: int, mlp_dim: int):
        super().__init__()
        self.heads = heads
        self.attention_norm = nn.LayerNorm(width, eps=LAYER_NORM_EPSILON)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.mlp_norm = nn.LayerNorm(width, eps=LAYER_NORM_EPSILON)
        self.hidden = nn.Linear(width, mlp_dim)
        self.output = nn.Linear(mlp_dim, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, width = x.shape
        qkv = self.qkv(self.attention_norm(x))
        qkv = qkv.view(batch, tokens, 3, self.heads, width // self.heads).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        x = x + self.out(attended.transpose(1, 2).reshape(batch, tokens, width))
        hidden = F.gelu(self.hidden(self.mlp_norm(x)), approximate='tanh')
        return x + self.output(hidden)


class ViT(nn.Module):
    """images [B, 1, H, W] -> logits [B, num_classes]."""

    def __init__(self, shape: VitShape):
        super().__init__()
        self.patch_embedding = nn.Conv2d(1, shape.width, shape.patch, stride=shape.patch)
        self.position = nn.Parameter(0.02 * torch.randn(1, shape.tokens, shape.width))
        self.blocks = nn.Sequential(
            *(Block(shape.width, shape.heads, shape.mlp_dim) for _ in range(shape.depth))
        )
        self.encoder_norm = nn.LayerNorm(shape.width, eps=LAYER_NORM_EPSILON)
        self.head = nn.Linear(shape.width, shape.num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.patch_embedding(images).flatten(2).transpose(1, 2) + self.position
        return self.head(self.encoder_norm(self.blocks(x)).mean(dim=1))


def train_step(
    shape: VitShape, batch: dict[str, np.ndarray], *, compiled: bool, device: str
) -> Callable[[], torch.Tensor]:
    """A closure running one Adam step on the (fixed) batch; returns the loss."""
    torch.manual_seed(0)
    model = ViT(shape).to(device)
    forward = torch.compile(model) if compiled else model
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.from_numpy(batch['image']).permute(0, 3, 1, 2).contiguous().to(device)
    labels = torch.from_numpy(batch['label']).long().to(device)

    def step() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(forward(images), labels)
        loss.backward()
        optimizer.step()
        return loss.detach()

    return step
