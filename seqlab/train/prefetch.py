"""Training batches put on the devices ahead of the step that needs them, sent compactly.

While the device runs step k, the loop has already queued the host→device copies of the
batches of steps k + 1 and k + 2 (`depth` = 2), sharded over data × fsdp: `jax.Array` copies are
asynchronous, so a step never waits for its input. Only the fields a step reads are sent: `id`
(the int64 source id) stays on the host, where the example-id log and predictions read it. uint8
fields (images) travel as uint8, a quarter of float32's bytes; `decode`, traced at the start of
every jitted step, maps them to float32 in [0, 1] with the same bits as the host would.

Exact resume: the data iterator runs `depth` batches ahead of training, so each batch carries the
iterator state right after it was read, and a checkpoint at step k stores the state of batch k.
A batch that fails to read is raised when its step comes, not when it is prefetched.
"""

import collections
import dataclasses
from collections.abc import Callable, Iterator

import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh

from seqlab.train import sharding

HOST_ONLY = frozenset({'id'})  # fields no jitted step reads (predictions read `id` on the host)
DEPTH = 2


def device_fields(batch: dict) -> dict:
    """The fields of `batch` a jitted step reads (all but `HOST_ONLY`)."""
    return {key: value for key, value in batch.items() if key not in HOST_ONLY}


# uint8 value v -> float32 v / 255, rounded once on the host. A table lookup gives the same bits on
# every device; XLA may compute x / 255 as x * (1 / 255), which differs in the last bit.
UNIT_FLOATS = np.arange(256, dtype=np.float32) / np.float32(255)


def decode(batch: dict) -> dict:
    """uint8 fields (images [B, H, W, C]) to float32 v / 255 in [0, 1]; the others as they are.

    Inside a jitted step (jax arrays) and on the host (numpy arrays, which stay numpy, so nothing
    compiles) the results are bitwise equal.
    """
    return {
        key: _unit_floats(value) if value.dtype == np.uint8 else value
        for key, value in batch.items()
    }


def _unit_floats(pixels: np.ndarray | jnp.ndarray) -> np.ndarray | jnp.ndarray:
    if isinstance(pixels, np.ndarray):
        return UNIT_FLOATS[pixels]
    return jnp.asarray(UNIT_FLOATS)[pixels]


@dataclasses.dataclass(frozen=True)
class Fed:
    """The batch of one step: its host arrays, its device arrays and the iterator state after it."""

    step: int
    host: dict
    device: dict
    data_state: dict


class Prefetcher(Iterator[Fed]):
    """The batches of steps `first_step` ... `last_step`, up to `depth` of them on the devices of
    `mesh` ahead of the one `next` returns. `read(step)` reads the next batch from the data
    iterator (raising for a bad record); `data_state()` is that iterator's state."""

    def __init__(
        self,
        read: Callable[[int], dict],
        data_state: Callable[[], dict],
        mesh: Mesh,
        *,
        first_step: int,
        last_step: int,
        depth: int = DEPTH,
    ):
        self._read, self._data_state, self._mesh = read, data_state, mesh
        self._next_step, self._last_step, self._depth = first_step, last_step, depth
        self._queue: collections.deque[Fed | Exception] = collections.deque()

    def fill(self) -> None:
        """Read and send batches until `depth` are queued: call it right after dispatching a
        step, so that the copies overlap that step."""
        while len(self._queue) < self._depth and self._next_step <= self._last_step:
            if self._queue and isinstance(self._queue[-1], Exception):
                return
            step, self._next_step = self._next_step, self._next_step + 1
            try:
                host = self._read(step)
            except Exception as error:  # noqa: BLE001 - raised when its step comes
                self._queue.append(error)
                return
            device = sharding.global_batch(device_fields(host), self._mesh)
            self._queue.append(Fed(step, host, device, self._data_state()))

    def __next__(self) -> Fed:
        if not self._queue:
            self.fill()
        if not self._queue:
            raise StopIteration
        fed = self._queue.popleft()
        if isinstance(fed, Exception):
            raise fed
        return fed
