"""Will a compiled step fit in memory? Refuse it in one line, with the numbers, before it runs.

XLA's memory analysis of a compiled program gives, per device, the bytes of its arguments,
outputs and temporaries; donated arguments alias outputs. A step needs about

    needed = arguments + outputs - aliased + temporaries + generated code

on each device. On an accelerator that is compared with the device's own limit; on the CPU every
device shares the host's memory, so the local devices' sum is compared with the memory the
operating system can still give (MemAvailable, or the cgroup's limit if lower). A batch that
does not fit would otherwise page the machine to a standstill or be killed without a word.
"""

from typing import Any

import jax

from seqlab.config import ConfigError

GIB = 2**30


def needed_bytes(compiled: Any) -> tuple[int, int, int] | None:
    """(total, arguments, temporaries): bytes one device needs to run `compiled` (a
    `jax.stages.Compiled`), or None if XLA does not say."""
    stats = compiled.memory_analysis()
    if stats is None:
        return None
    total = (
        stats.argument_size_in_bytes
        + stats.output_size_in_bytes
        - stats.alias_size_in_bytes
        + stats.temp_size_in_bytes
        + stats.generated_code_size_in_bytes
    )
    return total, stats.argument_size_in_bytes, stats.temp_size_in_bytes


def available_bytes(device: jax.Device) -> tuple[int | None, str]:
    """(bytes a program may use on `device`, what they are), or (None, '') if unknown."""
    stats = device.memory_stats() if device.platform != 'cpu' else None
    if stats and stats.get('bytes_limit'):
        return stats['bytes_limit'] - stats.get('bytes_in_use', 0), f'free on {device}'
    host = _host_available()
    if host is None:
        return None, ''
    return host // max(1, jax.local_device_count()), 'available host memory per CPU device'


def _host_available() -> int | None:
    """MemAvailable from /proc/meminfo, capped by the cgroup v2 memory limit."""
    try:
        with open('/proc/meminfo') as f:
            fields = dict(line.split(':', 1) for line in f)
        available = int(fields['MemAvailable'].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None
    try:
        with open('/sys/fs/cgroup/memory.max') as f:
            limit = f.read().strip()
        with open('/sys/fs/cgroup/memory.current') as f:
            used = int(f.read())
        if limit != 'max':
            available = min(available, int(limit) - used)
    except (OSError, ValueError):
        pass
    return available


def check(compiled: Any, what: str, hint: str) -> None:
    """Raise ConfigError naming `what` (e.g. 'the train step') and the numbers when `compiled`
    needs more memory than one device has; `hint` says which setting to lower."""
    needed = needed_bytes(compiled)
    available, where = available_bytes(jax.local_devices()[0])
    if needed is None or available is None or needed[0] <= available:
        return
    total, arguments, temporaries = needed
    raise ConfigError(
        f'{what} needs {total / GIB:.1f} GiB per device (XLA memory analysis: arguments '
        f'{arguments / GIB:.1f} GiB, temporaries {temporaries / GIB:.1f} GiB) but only '
        f'{available / GIB:.1f} GiB are {where}; allowed: {hint}'
    )
