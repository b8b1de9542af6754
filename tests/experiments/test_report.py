"""Results files name no absolute path of the machine that wrote them (experiments/report.py)."""

import os
import sys

from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, 'experiments'))
import report  # noqa: E402


def test_paths_inside_the_working_directory_become_relative(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert report.shown(str(tmp_path / 'runs' / 'wavenet')) == os.path.join('runs', 'wavenet')
    assert report.shown('runs/wavenet') == os.path.join('runs', 'wavenet')


def test_paths_outside_it_keep_only_their_name(tmp_path, monkeypatch):
    inside = tmp_path / 'repo'
    inside.mkdir()
    monkeypatch.chdir(inside)
    assert report.shown(str(tmp_path / 'elsewhere' / 'bertroot')) == '<outside>/bertroot'


def test_command_and_publish_write_no_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ['experiments/step_cost.py', '--out', '/elsewhere/cost.md', f'--root={tmp_path}/runs']
    command = report.command(argv)
    assert command == 'python experiments/step_cost.py --out <outside>/cost.md --root=runs'
    report.publish(f'workdir {tmp_path}/runs/vit\n', 'results/x.md')
    assert (tmp_path / 'results' / 'x.md').read_text() == 'workdir runs/vit\n'
