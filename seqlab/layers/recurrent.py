"""LSTM and GRU layers (uni- or bidirectional) over flax's cells, with padding by sequence length.

    h_t, c_t = cell(h_{t-1}, c_{t-1}, x_t),   t = 1 .. T

With `seq_lengths` the carry stops updating after each sequence's last real step, so the final
state is the state after step seq_lengths[b]; outputs at padded steps are not meaningful. The
backward direction reads each sequence's real steps in reverse (padding stays at the end).
"""

from typing import Any, Literal

import flax.linen as nn
import jax
import jax.numpy as jnp

CELLS = {'lstm': nn.LSTMCell, 'optimized_lstm': nn.OptimizedLSTMCell, 'gru': nn.GRUCell}


class Recurrent(nn.Module):
    """x: [B, T, C], seq_lengths: [B] int or None -> (outputs, final_state).

    outputs: [B, T, hidden_size] ([B, T, 2 * hidden_size] when bidirectional: forward then
    backward). final_state: the cell's carry ((c, h) for LSTMs, h for GRU); a (forward, backward)
    pair when bidirectional.
    """

    hidden_size: int
    cell: Literal['lstm', 'optimized_lstm', 'gru'] = 'lstm'
    bidirectional: bool = False
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x: jax.Array, seq_lengths: jax.Array | None = None) -> tuple[jax.Array, Any]:
        if self.cell not in CELLS:
            raise ValueError(f'cell={self.cell!r}; allowed: {", ".join(map(repr, CELLS))}')

        def rnn(name):  # the cell owns the parameters: params[name] holds the cell's weights
            cell = CELLS[self.cell](
                self.hidden_size, dtype=self.dtype, param_dtype=jnp.float32, name=name
            )
            return nn.RNN(cell, return_carry=True)

        if self.bidirectional:
            layer = nn.Bidirectional(rnn('forward'), rnn('backward'), return_carry=True)
        else:
            layer = rnn('forward')
        final_state, outputs = layer(x, seq_lengths=seq_lengths)
        return outputs, final_state
