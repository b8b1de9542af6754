"""`imagefolder:<dir>`: images in class folders, `<dir>/<class>/<image>` (or
`<dir>/<split>/<class>/<image>`), into a vision dataset.

Labels are the class folders' names, sorted (`ClassLabel`). Images are stored as uint8
[height, width, channels]: one channel when every image is grey, else RGB (alpha dropped), resized
to `config.data.image_size` when it is set; without it every image must have the same size. An
example's `id` is its position in the sorted relative paths of the whole folder, and its source
(in `sources.tsv`) that relative path.
"""

import io
import pathlib

import numpy as np
import PIL.Image
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import vision
from seqlab.data.files import builder, class_folders, layout

EXTENSIONS = ('.bmp', '.gif', '.jpeg', '.jpg', '.png', '.ppm', '.tif', '.tiff', '.webp')
GREY_MODES = ('1', 'L', 'LA', 'I', 'I;16', 'F')


def opened(root: pathlib.Path, relative: str, data: bytes, name: str) -> PIL.Image.Image:
    """The image in `data` (read lazily: its header only); a one-line ConfigError if PIL cannot."""
    try:
        return PIL.Image.open(io.BytesIO(data))
    except PIL.UnidentifiedImageError:
        raise ConfigError(
            f'config.data.name={name!r}: {relative} is not a readable image (PIL cannot identify '
            f'its format); allowed: images PIL reads ({", ".join(EXTENSIONS)})'
        ) from None


def plan(root: pathlib.Path, image_size: tuple[int, int] | None, name: str) -> builder.Plan:
    """What `imagefolder:<root>` prepares into; reads every file once (digest and image header)."""
    files = class_folders.labelled_files(root, EXTENSIONS, name)
    digest = layout.Digest(root, {'image_size': image_size})
    sizes, modes = {}, set()
    for relative, _ in files.labelled:
        data = (root / relative).read_bytes()
        digest.add(relative, data)
        image = opened(root, relative, data, name)
        sizes.setdefault((image.height, image.width), relative)
        modes.add('L' if image.mode in GREY_MODES else 'RGB')
    if image_size is None and len(sizes) > 1:
        (first, a), (second, b) = list(sizes.items())[:2]
        raise ConfigError(
            f'config.data.name={name!r}: images differ in size ({a} is {first[0]}x{first[1]}, '
            f'{b} is {second[0]}x{second[1]}, height x width); allowed: images of one size, or '
            'config.data.image_size=<int> or (height, width) to resize them'
        )
    height, width = image_size or next(iter(sizes))
    mode = 'RGB' if 'RGB' in modes else 'L'

    def pixels(relative: str) -> np.ndarray:
        with PIL.Image.open(root / relative) as image:
            try:
                return vision.resize(image.convert(mode), (height, width))
            except OSError as error:  # a truncated or corrupt file
                raise ConfigError(
                    f'config.data.name={name!r}: {relative} is not a readable image ({error}); '
                    'allowed: whole image files'
                ) from None

    channels = 3 if mode == 'RGB' else 1
    return files.plan(
        kind='imagefolder',
        digest=digest,
        description=f'Images in class folders under {root}.',
        key='image',
        feature=tfds.features.Tensor(shape=(height, width, channels), dtype=np.uint8),
        read=pixels,
    )
