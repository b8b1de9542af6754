"""A launch imports what its config needs: `import seqlab.launcher` loads no modality's splits
module, no interop, and none of the libraries that only some datasets, sweeps or figures use; a
config then adds its own modality only, and an offline dataset's builder without the libraries
that only preparing it uses."""

import json
import os
import subprocess
import sys

from seqlab import data
from tests.conftest import REPO

# Libraries some datasets (when prepared or read), sweeps or figures need, and no launch itself.
OPTIONAL = (
    'matplotlib',
    'networkx',
    'optuna',
    'pandas',
    'rdkit',
    'safetensors',
    'scipy.sparse',
    'sklearn',
    'statsmodels',
    'tokenizers',
)


def imported(code: str) -> set[str]:
    """The modules loaded once `code` has run in a fresh interpreter."""
    report = 'import json, sys; print(json.dumps(sorted(sys.modules)))'
    result = subprocess.run(
        [sys.executable, '-c', f'{code}\n{report}'],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, 'PYTHONPATH': REPO},
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_the_launcher_imports_no_modality_no_interop_and_no_optional_library():
    modules = imported('import seqlab.launcher')
    assert not modules & set(data.SPLITS_MODULES.values())
    assert not [name for name in modules if name.startswith('seqlab.interop')]
    assert not modules & set(OPTIONAL)


def test_a_vision_config_adds_its_modality_only():
    modules = imported(
        'from seqlab import data, launcher\n'
        "config = launcher.load_config('configs/vit.py:smoke', {})\n"
        'data.check(config.data)'
    )
    splits = set(data.SPLITS_MODULES.values())
    assert modules & splits == {'seqlab.data.vision_splits'}
    assert 'seqlab.data.builders.digits' in modules  # its builder, without scikit-learn
    assert not modules & set(OPTIONAL)
