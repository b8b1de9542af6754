"""The documentation stands alone and stays true to the repository.

- No tracked file points outside the repository (a sibling `shared` directory of notes), and no
  user document or results file names an absolute path of the machine that wrote it.
- Every relative link in README.md, docs/*.md and results/README.md reaches a file that exists.
- README.md stays short and opens with exactly the two commands that CI (`.ci/run`) runs.
- Each measured number in README.md's results table (a decimal, a figure with thousands
  separators, or a ratio like 118×) is found in the results file its row links to.
"""

import os
import re
import subprocess

import pytest

from tests.conftest import REPO

OUTSIDE = '..' + '/shared'  # spelt in two parts so that this file does not match itself
MACHINE_PATHS = ('/work/', '/root/', '/tmp/')
README_MAX_LINES = 260
LINK = re.compile(r'\[[^\]]*\]\(([^)\s]+)\)')
EXTERNAL = ('http://', 'https://', 'mailto:', '#')
MEASURED = re.compile(r'(?<![\w.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+(?=×))')
RESULTS_LINK = re.compile(r'\]\((results/[^)\s]+\.md)\)')


def tracked_files() -> list[str]:
    """Paths of the files git tracks, relative to the repository root."""
    try:
        listed = subprocess.run(
            ['git', 'ls-files', '-z'], cwd=REPO, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('not a git checkout: no list of tracked files')
    return [path for path in listed.decode().split('\0') if path]


def read(path: str) -> str:
    with open(os.path.join(REPO, path), encoding='utf-8', errors='replace') as handle:
        return handle.read()


def documents() -> list[str]:
    """The user documents: README.md, docs/*.md, results/README.md."""
    docs = os.path.join(REPO, 'docs')
    names = sorted(n for n in os.listdir(docs) if n.endswith('.md')) if os.path.isdir(docs) else []
    return ['README.md', *(f'docs/{n}' for n in names), 'results/README.md']


def offending_lines(path: str, needles: tuple[str, ...]) -> list[str]:
    """'path:line: text' for each line of `path` containing one of `needles`."""
    return [
        f'{path}:{number}: {line.strip()}'
        for number, line in enumerate(read(path).splitlines(), 1)
        if any(needle in line for needle in needles)
    ]


def broken_links(path: str) -> list[str]:
    """'path: target' for each relative link of the markdown file `path` that reaches nothing."""
    directory = os.path.dirname(os.path.join(REPO, path))
    broken = []
    for target in LINK.findall(read(path)):
        if target.startswith(EXTERNAL):
            continue
        file_part = target.split('#', 1)[0]
        if not os.path.exists(os.path.normpath(os.path.join(directory, file_part))):
            broken.append(f'{path}: {target}')
    return broken


def results_rows() -> list[list[str]]:
    """The cells of each body row of the table that follows README.md's '## Results' heading."""
    section = read('README.md').split('\n## Results\n', 1)[1]
    table = next(block for block in section.split('\n\n') if block.startswith('| '))
    rows = table.splitlines()[2:]  # past the header and its rule
    return [[cell.strip() for cell in row.strip().strip('|').split('|')] for row in rows]


def unsourced_numbers(cells: list[str]) -> list[str]:
    """The measured numbers of a results row's middle cells that its linked file does not hold."""
    link = RESULTS_LINK.search(cells[-1])
    if link is None:
        return [f'no results/*.md link in {cells[-1]!r}']
    source = read(link.group(1))
    return [
        f'{number} (not in {link.group(1)})'
        for number in MEASURED.findall(' '.join(cells[1:-1]))
        if not re.search(rf'(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)', source)
    ]


def ci_commands() -> list[str]:
    """The command lines of .ci/run: what remains without the shebang, comments, `set` and `cd`."""
    lines = [line.strip() for line in read('.ci/run').splitlines()]
    return [line for line in lines if line and not line.startswith(('#', 'set ', 'cd '))]


def test_no_tracked_file_points_outside_the_repository():
    binary = ('.png', '.wav', '.npz', '.gz', '.safetensors')
    found = [
        line
        for path in tracked_files()
        if not path.endswith(binary) and os.path.isfile(os.path.join(REPO, path))
        for line in offending_lines(path, (OUTSIDE,))
    ]
    assert not found, 'files outside the repository are referred to:\n' + '\n'.join(found)


def test_results_and_documents_name_no_absolute_path_of_a_machine():
    paths = sorted(
        {p for p in tracked_files() if re.fullmatch(r'results/[^/]+\.md', p)} | set(documents())
    )
    found = [
        line
        for path in paths
        if os.path.isfile(os.path.join(REPO, path))
        for line in offending_lines(path, MACHINE_PATHS)
    ]
    assert not found, 'absolute paths of the machine that wrote them:\n' + '\n'.join(found)


def test_relative_links_reach_existing_files():
    missing = [path for path in documents() if not os.path.isfile(os.path.join(REPO, path))]
    assert not missing, f'missing documents: {missing}'
    broken = [link for path in documents() for link in broken_links(path)]
    assert not broken, 'links to nothing:\n' + '\n'.join(broken)


def test_readme_is_short_and_opens_with_the_commands_ci_runs():
    readme = read('README.md')
    lines = readme.splitlines()
    assert len(lines) <= README_MAX_LINES, f'README.md has {len(lines)} lines'
    commands = ci_commands()
    assert commands, '.ci/run runs no command'
    opening = ['# seqlab', '', '```bash', *commands, '```']
    assert lines[: len(opening)] == opening, (
        'README.md must open with "# seqlab", a blank line and a bash block holding exactly the '
        f'commands of .ci/run:\n{commands}'
    )


def test_readme_results_are_copied_from_the_files_they_link():
    rows = results_rows()
    assert len(rows) >= 10, f'README.md results table has only {len(rows)} rows'
    assert MEASURED.findall('89.86 ± 0.28% 33,057 MB 118× 3 seeds') == [
        '89.86',
        '0.28',
        '33,057',
        '118',
    ]
    unsourced = [
        f'{cells[0] or "(continued)"}: {n}' for cells in rows for n in unsourced_numbers(cells)
    ]
    assert not unsourced, 'README.md numbers missing from their results files:\n' + '\n'.join(
        unsourced
    )
