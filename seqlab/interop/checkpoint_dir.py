"""A transformers checkpoint directory: config.json + model.safetensors, read and written with the
`safetensors` library alone (no PyTorch, no transformers). A file that cannot be read (truncated,
corrupt, not JSON) is a one-line InteropError naming it.

Tensors are numpy arrays; half-precision checkpoints (float16, bfloat16) are read as float32,
because seqlab keeps its parameters in float32. LayerNorm tensors of old checkpoints named
'.gamma' / '.beta' are read as '.weight' / '.bias', as transformers reads them.
"""

import json
import os

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save_file

from seqlab.interop.errors import InteropError

CONFIG = 'config.json'
WEIGHTS = 'model.safetensors'


def read(path: str) -> tuple[dict, dict[str, np.ndarray]]:
    """(config.json as a dict, tensor name -> float32 array) of the directory `path`."""
    config_path, weights_path = os.path.join(path, CONFIG), os.path.join(path, WEIGHTS)
    for needed in (config_path, weights_path):
        if not os.path.isfile(needed):
            sharded = os.path.isfile(weights_path + '.index.json')
            hint = ' (sharded checkpoints are not supported)' if sharded else ''
            raise InteropError(
                f'{needed} does not exist{hint}; a transformers checkpoint directory holds '
                f'{CONFIG} and {WEIGHTS}'
            )
    try:
        with open(config_path) as f:
            config = json.load(f)
    except (OSError, ValueError) as error:
        raise InteropError(f'{config_path} cannot be read: {_first_line(error)}') from None
    try:
        with safe_open(weights_path, framework='np') as f:
            tensors = {_modern(name): f.get_tensor(name).astype(np.float32) for name in f.keys()}
    except (OSError, SafetensorError) as error:
        raise InteropError(
            f'{weights_path} cannot be read: {_first_line(error)} (truncated or corrupt? copy or '
            'download it again)'
        ) from None
    return config, tensors


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _modern(name: str) -> str:
    for old, new in (('.gamma', '.weight'), ('.beta', '.bias')):
        if name.endswith(old):
            return name[: -len(old)] + new
    return name


def write(path: str, config: dict, tensors: dict[str, np.ndarray]) -> None:
    """Write config.json and model.safetensors (float32, metadata format=pt) into `path`."""
    os.makedirs(path, exist_ok=True)
    arrays = {name: np.ascontiguousarray(t, dtype=np.float32) for name, t in tensors.items()}
    save_file(arrays, os.path.join(path, WEIGHTS), metadata={'format': 'pt'})
    with open(os.path.join(path, CONFIG), 'w') as f:
        json.dump(config, f, indent=2, sort_keys=True)
