"""Classical peers for weekly Mauna Loa CO2 forecasting (the `co2` builder's test split).

Rolling origin: every test week t that has 52 test weeks ahead is an origin (the windows of
`make_windows(values, 52, 52, first_target=...)`, which a seqlab forecaster sees too). Each peer
forecasts 52 weeks from every origin using only data before it; MAE and RMSE (ppm) are reported
at horizons 1, 12 and 52 weeks, over observed (not interpolated) targets.
  seasonal naive   y[t + h - 52]
  Holt-Winters     additive trend and 52-week season, fitted on train + validation, then re-run
                   with those parameters on the data up to each origin
  ARIMA            regression on a linear trend and 3 Fourier pairs of period 365.25 / 7 weeks with
                   ARIMA(1,1,1) errors, fitted on train + validation, state extended week by week

  python experiments/peer_forecast.py   # prints a table, writes results/peer_forecast.md
"""

import argparse
import os
import time
import warnings

import numpy as np
import report
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX

from seqlab.data import DATA_DIR_ENV, DEFAULT_DATA_DIR, builders
from seqlab.data.series import make_windows

SEASON = 52
HORIZON = 52
HORIZONS = (1, 12, 52)
WEEKS_PER_YEAR = 365.25 / 7
FOURIER_PAIRS = 3


def load_test_split() -> dict[str, np.ndarray]:
    """The co2 test split: values [time] (history included), observed [time], first_target."""
    data_dir = os.path.expanduser(os.environ.get(DATA_DIR_ENV, DEFAULT_DATA_DIR))
    return builders.offline('co2', data_dir).as_data_source()['test'][0]


def seasonal_naive(values: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """Forecasts [origins, HORIZON]: the same week one season earlier."""
    return values[origins[:, None] + np.arange(HORIZON) - SEASON]


def holt_winters(values: np.ndarray, first_target: int, origins: np.ndarray) -> np.ndarray:
    """Forecasts [origins, HORIZON] of additive Holt-Winters with parameters fitted before the test."""
    options = {'trend': 'add', 'seasonal': 'add', 'seasonal_periods': SEASON}
    fitted = ExponentialSmoothing(values[:first_target], **options).fit().params
    known = {
        'initialization_method': 'known',
        'initial_level': fitted['initial_level'],
        'initial_trend': fitted['initial_trend'],
        'initial_seasonal': fitted['initial_seasons'],
    }
    smoothing = {
        name: fitted[name] for name in ('smoothing_level', 'smoothing_trend', 'smoothing_seasonal')
    }
    forecasts = []
    for origin in origins:
        model = ExponentialSmoothing(values[:origin], **options, **known)
        forecasts.append(model.fit(**smoothing, optimized=False).forecast(HORIZON))
    return np.array(forecasts)


def trend_and_season(steps: np.ndarray) -> np.ndarray:
    """Regressors [steps, 1 + 2 * FOURIER_PAIRS]: time in years, then sines and cosines."""
    angles = 2 * np.pi * np.outer(steps, np.arange(1, FOURIER_PAIRS + 1)) / WEEKS_PER_YEAR
    return np.concatenate([steps[:, None] / WEEKS_PER_YEAR, np.sin(angles), np.cos(angles)], 1)


def arima(values: np.ndarray, first_target: int, origins: np.ndarray) -> np.ndarray:
    """Forecasts [origins, HORIZON] of the Fourier regression with ARIMA(1,1,1) errors."""
    regressors = trend_and_season(np.arange(len(values) + HORIZON))
    results = SARIMAX(values[:first_target], exog=regressors[:first_target], order=(1, 1, 1))
    results = results.fit(disp=False)
    forecasts, seen = [], first_target
    for origin in origins:
        if origin > seen:
            results = results.extend(values[seen:origin], exog=regressors[seen:origin])
            seen = origin
        forecasts.append(results.forecast(HORIZON, exog=regressors[origin : origin + HORIZON]))
    return np.array(forecasts)


def scores(forecasts: np.ndarray, windows: dict[str, np.ndarray]) -> list[float]:
    """MAE and RMSE at each of HORIZONS over observed targets: [mae_1, rmse_1, mae_12, ...]."""
    row = []
    for horizon in HORIZONS:
        step = horizon - 1
        observed = windows['target_observed'][:, step]
        error = forecasts[observed, step] - windows['target'][observed, step]
        row += [np.abs(error).mean(), np.sqrt(np.mean(error**2))]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--out', default='results/peer_forecast.md', help='the results table (markdown)'
    )
    args = parser.parse_args()
    split = load_test_split()
    values = split['values'].astype(np.float64)
    first_target = int(split['first_target'])
    windows = make_windows(
        values, SEASON, HORIZON, first_target=first_target, observed=split['observed']
    )
    origins = windows['target_index']
    peers = {
        'seasonal naive (52 weeks)': lambda: seasonal_naive(values, origins),
        'Holt-Winters (additive, 52)': lambda: holt_winters(values, first_target, origins),
        'ARIMA(1,1,1) errors + trend + 3 Fourier pairs': lambda: arima(
            values, first_target, origins
        ),
    }
    header = ' | '.join(f'MAE h={h} | RMSE h={h}' for h in HORIZONS)
    table = [f'| peer | {header} | time (s) |', '|---' * (2 * len(HORIZONS) + 2) + '|']
    for name, forecast in peers.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', ConvergenceWarning)
            forecasts = forecast()
        seconds = time.perf_counter() - start
        cells = ' | '.join(f'{value:.3f}' for value in scores(forecasts, windows))
        table.append(f'| {name} | {cells} | {seconds:.0f} |')
    text = '\n'.join(table)
    title = (
        f'# co2 weekly forecasting peers: {len(origins)} rolling origins in the test split '
        f'(weeks {first_target}..{len(values) - 1}, fitted on weeks 0..{first_target - 1}); ppm'
    )
    report.publish(f'{title}\n\n{text}\n', args.out)


if __name__ == '__main__':
    main()
