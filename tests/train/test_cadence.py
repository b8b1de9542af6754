import pytest

from seqlab.config import ConfigError
from seqlab.train import cadence


@pytest.mark.parametrize(
    'spec, expected',
    [
        ('500', 500),
        (7, 7),
        ('2ep', 200),
        ('0.5ep', 50),
        ('0.001ep', 1),
        ('10%', 30),
        ('0', 0),
        ('0ep', 0),
        ('0%', 0),
    ],
)
def test_to_steps(spec, expected):
    assert cadence.to_steps(spec, steps_per_epoch=100, total_steps=300) == expected


@pytest.mark.parametrize('spec', ['often', '-3', '1.5', 'ep'])
def test_bad_spec_names_value(spec):
    with pytest.raises(ConfigError, match='eval_every'):
        cadence.to_steps(spec, steps_per_epoch=10, total_steps=10, where='eval_every')


def test_percent_needs_total():
    with pytest.raises(ConfigError, match='total'):
        cadence.to_steps('10%', steps_per_epoch=10)


def test_itstime_every_and_last():
    hits = [s for s in range(1, 26) if cadence.itstime(s, 10, 25)]
    assert hits == [10, 20, 25]
    assert [s for s in range(1, 26) if cadence.itstime(s, 10, 25, last=False)] == [10, 20]
    assert [s for s in range(1, 26) if cadence.itstime(s, 0, 25)] == [25]
