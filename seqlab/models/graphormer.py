"""Graphormer (Ying et al. 2021): the nodes of a graph are tokens; structure enters as encodings.

  h_i = sum_f E_f[x_if] + Z[min(deg_i, max_degree)]            node features + centrality encoding
  A^h_ij = q_i . k_j / sqrt(d) + b^h[phi_ij] + c^h_ij           attention scores of head h
  phi_ij = min(dist_ij, max_distance), one more bucket for unreachable pairs   spatial encoding
  c^h_ij = (1 / |P_ij|) sum_{n <= |P_ij|} w^h[n, e_n]           edge encoding
with e_1 .. e_|P_ij| the types of the first L edges along one shortest path from i to j.
b^h starts at -locality_prior * phi (plus small noise): a prior toward near nodes that helps
where labels are few (karate club) or steps are (molecules: Adam moves a zero start by about lr
per step, too slowly to make attention local); 0 gives Graphormer's plain small random start.
`edge_encoding='first_edge'` keeps w^h[1, e_1] only (the simplification of later Graphormer
variants), 'none' drops c. A virtual graph token v is prepended and joined to every node in both
directions with its own learned bias t^h; transformer blocks (pre-LN by default) follow. Readouts:
  'graph'  W h_v + b                      the token's final state
  'sum'    s sum_i W h_i + b              over real nodes, for additive properties such as
                                          Crippen logP (a sum of atom contributions)
  'node'   W h_i + b for each node        zero on padding nodes
In 'sum' the bias b is added once per graph (a standardised target's offset -mean/std is not a
sum of atom terms), and s = sum_scale, about 1 / (mean atoms per graph), keeps the output's step
size under Adam that of a mean: with s = 1 each update of W moves the output n times as far.

Padding nodes are masked out as keys, so they never change a real node or the graph output.
Inputs (`seqlab.data.graph.pad_graph`): node_features [B, N, F] int (0 = padding), node_mask
[B, N] bool, degree [B, N] int, shortest_path [B, N, N] int (N = unreachable), path_edge_types
[B, N, N, L] int (0 past the path) -> [B, num_outputs] or [B, N, num_outputs].
"""

import functools
from collections.abc import Callable, Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.config import ConfigError
from seqlab.layers.transformer import ClassToken, Encoder
from seqlab.models import checks
from seqlab.models.transformer_model import TransformerModel, check_blocks

READOUTS = ('graph', 'sum', 'node')
EDGE_ENCODINGS = ('path', 'first_edge', 'none')


def spatial_buckets(shortest_path: jax.Array, max_distance: int) -> jax.Array:
    """phi_ij: distances clipped to max_distance; unreachable (= N) -> max_distance + 1."""
    unreachable = shortest_path >= shortest_path.shape[-1]
    return jnp.where(unreachable, max_distance + 1, jnp.minimum(shortest_path, max_distance))


def locality_init(prior: float) -> Callable:
    """Initialises b^h[phi] = -prior * phi + N(0, 0.02^2): with prior > 0 attention starts local."""

    def init(key: jax.Array, shape: tuple, dtype: Any = jnp.float32) -> jax.Array:
        distance = jnp.arange(shape[0], dtype=dtype)[:, None]
        return -prior * distance + nn.initializers.normal(0.02)(key, shape, dtype)

    return init


def edge_encoding(path_edge_types: jax.Array, weights: jax.Array) -> jax.Array:
    """c_ij = mean over the edges n on the path of weights[n, e_n].

    path_edge_types: [B, N, N, L] int (0 past the path's end), weights: [L, V, H] -> [B, N, N, H].
    """
    on_path = path_edge_types > 0
    per_edge = weights[jnp.arange(weights.shape[0]), path_edge_types]  # [B, N, N, L, H]
    total = jnp.sum(per_edge * on_path[..., None], axis=-2)
    return total / jnp.maximum(on_path.sum(-1), 1)[..., None]


def with_graph_token(bias: jax.Array, token_bias: jax.Array) -> jax.Array:
    """Pads bias [B, H, N, N] to [B, H, N + 1, N + 1]; row and column 0 get token_bias [H]."""
    batch, heads, nodes, _ = bias.shape
    full = jnp.broadcast_to(token_bias[None, :, None, None], (batch, heads, nodes + 1, nodes + 1))
    return full.at[:, :, 1:, 1:].set(bias)


class Graphormer(TransformerModel):
    """The block settings (dropout, attention, norm, scan, remat, dtype, ...) are TransformerModel's."""

    num_outputs: int
    node_vocab_sizes: Sequence[int]
    edge_vocab_size: int
    readout: str = 'graph'
    width: int = 64
    depth: int = 4
    heads: int = 4
    mlp_dim: int = 128
    max_degree: int = 8
    max_distance: int = 20
    sum_scale: float = 1.0
    locality_prior: float = 0.0
    edge_encoding: str = 'path'

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Known readout, edge encoding and norm placement; heads divide the width; one vocabulary per feature."""
        model = checks.settings(cls, kwargs)
        checks.one_of(model, 'readout', READOUTS)
        checks.one_of(model, 'edge_encoding', EDGE_ENCODINGS)
        checks.heads_divide_width(model)
        check_blocks(model)
        features = input_shape[-1]
        if len(model.node_vocab_sizes) != features:
            raise ConfigError(
                f'node_vocab_sizes has {len(model.node_vocab_sizes)} entries for {features} '
                'node feature columns'
            )

    @nn.compact
    def __call__(
        self,
        node_features: jax.Array,
        node_mask: jax.Array,
        degree: jax.Array,
        shortest_path: jax.Array,
        path_edge_types: jax.Array,
        *,
        train: bool = False,
    ) -> jax.Array:
        embed = functools.partial(nn.Embed, embedding_init=nn.initializers.normal(0.02))
        h = sum(
            embed(size, self.width, name=f'node_embedding_{f}')(node_features[..., f])
            for f, size in enumerate(self.node_vocab_sizes)
        )
        h = h + embed(self.max_degree + 1, self.width, name='centrality')(
            jnp.minimum(degree, self.max_degree)
        )
        spatial = nn.Embed(
            self.max_distance + 2,
            self.heads,
            embedding_init=locality_init(self.locality_prior),
            name='spatial',
        )
        bias = spatial(spatial_buckets(shortest_path, self.max_distance))
        if self.edge_encoding != 'none':
            path = path_edge_types if self.edge_encoding == 'path' else path_edge_types[..., :1]
            shape = (path.shape[-1], self.edge_vocab_size, self.heads)
            weights = self.param('edge_encoding', nn.initializers.normal(0.02), shape)
            bias = bias + edge_encoding(path, weights)
        token_bias = self.param('graph_token_bias', nn.initializers.zeros, (self.heads,))
        bias = with_graph_token(bias.transpose(0, 3, 1, 2), token_bias)
        keys = jnp.concatenate([jnp.ones_like(node_mask[:, :1]), node_mask], axis=1)

        x = ClassToken(name='graph_token')(h.astype(jnp.dtype(self.dtype)))
        x = nn.Dropout(self.dropout)(x, deterministic=not train)
        encoder = self.block_stack(Encoder, self.depth, name='encoder')
        x = encoder(x, keys[:, None, None, :], bias, train=train)
        head = nn.Dense(self.num_outputs, kernel_init=nn.initializers.zeros, name='head')
        if self.readout == 'graph':
            return head(x[:, 0].astype(jnp.float32))
        nodes = x[:, 1:].astype(jnp.float32) * node_mask[..., None]
        if self.readout == 'sum':
            return head(self.sum_scale * nodes.sum(axis=1))  # W is linear: b is added once
        return head(nodes) * node_mask[..., None]
