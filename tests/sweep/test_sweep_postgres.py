"""Several workers ("machines", each with its own sweep directory) run the same sweep command
against one PostgreSQL server that the test starts on loopback: every trial runs exactly once, the
work is shared, and every machine's results table shows the whole sweep."""

import csv
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile

import pytest

from tests.conftest import REPO

WORKERS = 2


def server_binary(name: str) -> str | None:
    """`name` on PATH, else from the newest /usr/lib/postgresql/<version>/bin."""
    found = [shutil.which(name), *sorted(glob.glob(f'/usr/lib/postgresql/*/bin/{name}'))[::-1]]
    return next((path for path in found if path), None)


@pytest.fixture
def postgres():
    """postgresql://postgres@127.0.0.1:<port>/postgres of a throw-away server (Debian postgresql)."""
    pytest.importorskip('psycopg', reason='the PostgreSQL driver psycopg is needed')
    initdb, pg_ctl = server_binary('initdb'), server_binary('pg_ctl')
    if not (initdb and pg_ctl):
        pytest.skip('PostgreSQL server binaries (Debian package postgresql) are not installed')
    root = tempfile.mkdtemp(prefix='seqlab_pg_')
    as_server_user = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        user = pwd.getpwnam('postgres')
        os.chown(root, user.pw_uid, user.pw_gid)
        as_server_user = ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups']
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    data = os.path.join(root, 'data')
    run = dict(check=True, capture_output=True, cwd=root)
    subprocess.run([*as_server_user, initdb, '-D', data, '-U', 'postgres', '--auth=trust'], **run)
    options = f'-p {port} -k {root} -c listen_addresses=127.0.0.1'
    server = [*as_server_user, pg_ctl, '-D', data, '-l', os.path.join(root, 'log')]
    subprocess.run([*server, '-w', '-o', options, 'start'], **run)
    try:
        yield f'postgresql://postgres@127.0.0.1:{port}/postgres'
    finally:
        subprocess.run([*server, '-m', 'immediate', 'stop'], capture_output=True, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_workers_on_several_machines_share_one_postgresql_study(postgres, tmp_path):
    barrier = tmp_path / 'started'
    barrier.mkdir()
    machines = [tmp_path / f'machine_{i}' / 'sweep' for i in range(WORKERS)]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                '-m',
                'tests.sweep.pg_worker',
                postgres,
                str(m),
                str(barrier),
                str(WORKERS),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for m in machines
    ]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0] * WORKERS, [err[-2000:] for _, err in outputs]
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert [r['code'] for r in reports] == [0] * WORKERS
    ran = sorted(trial for r in reports for trial in r['ran'])
    assert ran == list(range(6))
    assert sum(bool(r['ran']) for r in reports) >= 2
    for machine in machines:
        with open(machine / 'results.csv') as f:
            rows = list(csv.DictReader(f))
        assert [r['status'] for r in rows] == ['complete'] * 6
        assert [float(r['best eval/accuracy']) for r in rows] == [s / 10 for s in range(6)]
