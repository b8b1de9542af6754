"""Platform-aware process settings: malloc settings on CPU only, a share of GPU memory per
process when several share a device, deterministic GPU ops; a user's own value always wins."""

from seqlab import runtime

CPU, GPU = {'JAX_PLATFORMS': 'cpu'}, {'JAX_PLATFORMS': 'cuda'}


def test_allocator_settings_on_cpu_only_and_never_over_a_users_value():
    assert runtime.allocator(CPU) == runtime.CPU_ALLOCATOR
    assert runtime.allocator(GPU) == {} and runtime.allocator({'JAX_PLATFORMS': 'tpu'}) == {}
    assert 'MALLOC_ARENA_MAX' not in runtime.allocator({**CPU, 'MALLOC_ARENA_MAX': '4'})


def test_processes_sharing_a_device_split_its_memory():
    assert runtime.share_device(3, GPU) == {'XLA_PYTHON_CLIENT_MEM_FRACTION': '0.300'}
    assert runtime.share_device(1, GPU) == {}
    assert runtime.share_device(4, {'XLA_PYTHON_CLIENT_MEM_FRACTION': '0.5'}) == {}


def test_deterministic_ops_are_added_on_gpu_to_the_users_flags():
    flags = {**GPU, 'XLA_FLAGS': '--xla_dump_to=/tmp/x'}
    assert runtime.deterministic(flags) == {
        'XLA_FLAGS': '--xla_dump_to=/tmp/x --xla_gpu_deterministic_ops=true'
    }
    assert runtime.deterministic(CPU) == {}
    assert runtime.deterministic({**GPU, 'XLA_FLAGS': '--xla_gpu_deterministic_ops=false'}) == {}
