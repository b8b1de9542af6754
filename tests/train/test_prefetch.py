"""Device prefetch: two batches ahead on the devices, only the fields a step reads (no `id`),
images as uint8 until the jitted step scales them; each batch carries the iterator state after
it (what a checkpoint of its step stores); a bad batch is raised at its own step."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from seqlab.train import prefetch, sharding

MESH_CONFIG = {'data': -1, 'fsdp': 1, 'tensor': 1}


class Source:
    """Batches of step 1, 2, ...: uint8 images, int64 ids; `next_index` is the iterator state."""

    def __init__(self, bad_step: int = 0):
        self.next_index, self.reads, self.bad_step = 0, [], bad_step

    def read(self, step: int) -> dict:
        self.reads.append(step)
        if step == self.bad_step:
            raise ValueError(f'step {step}: bad record')
        self.next_index += 1
        image = np.full((2, 3, 3, 1), step, np.uint8)
        return {'image': image, 'id': np.arange(2, dtype=np.int64) + 10 * step}

    def state(self) -> dict:
        return {'next_index': self.next_index}


def prefetcher(source: Source, last_step: int = 6) -> prefetch.Prefetcher:
    mesh = sharding.make_mesh(ml_collections.ConfigDict(MESH_CONFIG), jax.devices()[:1])
    return prefetch.Prefetcher(source.read, source.state, mesh, first_step=1, last_step=last_step)


def test_two_batches_ahead_on_device_without_ids_and_with_their_iterator_state():
    source = Source()
    batches = prefetcher(source)
    first = next(batches)
    batches.fill()  # after the step of `first` is dispatched
    assert source.reads == [1, 2, 3]
    assert first.step == 1 and first.data_state == {'next_index': 1}
    assert set(first.device) == {'image'} and first.device['image'].dtype == jnp.uint8
    assert isinstance(first.device['image'], jax.Array)
    np.testing.assert_array_equal(first.host['id'], [10, 11])  # ids stay on the host
    steps = [first.step] + [fed.step for fed in batches]
    assert steps == list(range(1, 7)) and source.reads == list(range(1, 7))  # none past the last


def test_a_bad_batch_is_raised_at_its_own_step():
    batches = prefetcher(Source(bad_step=3))
    assert [next(batches).step, next(batches).step] == [1, 2]  # read ahead, not raised yet
    with pytest.raises(ValueError, match='^step 3: bad record$'):
        next(batches)


def test_decode_scales_uint8_to_unit_floats_and_leaves_other_fields():
    pixels = np.arange(256, dtype=np.uint8)
    host = prefetch.decode({'image': pixels, 'label': np.array([1, 2])})
    assert isinstance(host['image'], np.ndarray)  # numpy stays numpy: nothing compiles
    assert host['image'].dtype == np.float32 and host['image'][0] == 0 and host['image'][-1] == 1
    np.testing.assert_array_equal(host['image'], pixels.astype(np.float32) / np.float32(255))
    device = jax.jit(prefetch.decode)({'image': jnp.asarray(pixels), 'label': jnp.array([1, 2])})
    assert device['image'].dtype == jnp.float32 and device['label'].dtype == jnp.int32
    np.testing.assert_array_equal(device['image'], host['image'])  # the same bits on the device
