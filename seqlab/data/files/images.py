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
from seqlab.data.files import builder, layout

EXTENSIONS = ('.bmp', '.gif', '.jpeg', '.jpg', '.png', '.ppm', '.tif', '.tiff', '.webp')
GREY_MODES = ('1', 'L', 'LA', 'I', 'I;16', 'F')


def class_files(
    root: pathlib.Path, split_root: pathlib.Path, extensions: tuple[str, ...], name: str
) -> list[tuple[str, str]]:
    """(path relative to `root`, class) of every file ending in `extensions` under
    `split_root`/<class>/, sorted."""
    found = []
    for entry in sorted(split_root.iterdir()):
        if entry.is_file() and entry.suffix.lower() in extensions:
            raise ConfigError(
                f'config.data.name={name!r}: {entry.relative_to(root)} is not in a class folder; '
                f'allowed: {split_root.relative_to(root.parent)}/<class>/<file>'
            )
        if not entry.is_dir():
            continue
        files = [p for p in sorted(entry.rglob('*')) if p.suffix.lower() in extensions]
        if not files:
            raise ConfigError(
                f'config.data.name={name!r}: class folder {entry.relative_to(root.parent)} has no '
                f'files ending in {", ".join(extensions)}; allowed: at least one'
            )
        found += [(p.relative_to(root).as_posix(), entry.name) for p in files]
    if not found:
        raise ConfigError(
            f'config.data.name={name!r}: {split_root} has no class folders; allowed: '
            '<folder>/<class>/<image>, optionally inside train/, validation/, test/'
        )
    return found


def opened(root: pathlib.Path, relative: str, data: bytes, name: str) -> PIL.Image.Image:
    """The image in `data` (read lazily: its header only); a one-line ConfigError if PIL cannot."""
    try:
        return PIL.Image.open(io.BytesIO(data))
    except PIL.UnidentifiedImageError:
        raise ConfigError(
            f'config.data.name={name!r}: {relative} is not a readable image (PIL cannot identify '
            f'its format); allowed: images PIL reads ({", ".join(EXTENSIONS)})'
        ) from None


def labelled_files(
    root: pathlib.Path, extensions: tuple[str, ...], name: str
) -> tuple[list[tuple[str, str]], dict[str, str | None]]:
    """([(relative path, class)] sorted by path, {relative path: its split folder or None}) of
    the files ending in `extensions` in the class folders of `root` (or of its split folders)."""
    labelled, given = [], {}
    for split, split_root in (layout.split_folders(root) or {None: root}).items():
        for relative, label in class_files(root, split_root, extensions, name):
            labelled.append((relative, label))
            given[relative] = split
    return sorted(labelled), given


def plan(root: pathlib.Path, image_size: tuple[int, int] | None, name: str) -> builder.Plan:
    """What `imagefolder:<root>` prepares into; reads every file once (digest and image header)."""
    labelled, given = labelled_files(root, EXTENSIONS, name)
    digest = layout.Digest(root, {'image_size': image_size})
    sizes, modes = {}, set()
    for relative, _ in labelled:
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
    class_names = sorted({label for _, label in labelled})
    label_ids = {label: k for k, label in enumerate(class_names)}

    def example(i: int) -> dict:
        relative, label = labelled[i]
        with PIL.Image.open(root / relative) as image:
            try:
                pixels = vision.resize(image.convert(mode), (height, width))
            except OSError as error:  # a truncated or corrupt file
                raise ConfigError(
                    f'config.data.name={name!r}: {relative} is not a readable image ({error}); '
                    'allowed: whole image files'
                ) from None
        return {'id': i, 'image': pixels, 'label': label_ids[label]}

    channels = 3 if mode == 'RGB' else 1
    return builder.Plan(
        kind='imagefolder',
        config_name=layout.config_name(root, digest.hexdigest()),
        description=f'Images in class folders under {root}.',
        features=tfds.features.FeaturesDict(
            {
                'id': tfds.features.Scalar(dtype=np.int64),
                'image': tfds.features.Tensor(shape=(height, width, channels), dtype=np.uint8),
                'label': tfds.features.ClassLabel(names=class_names),
            }
        ),
        splits=layout.assign([relative for relative, _ in labelled], given, name),
        sources={i: relative for i, (relative, _) in enumerate(labelled)},
        example=example,
    )
