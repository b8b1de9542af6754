"""Figures (matplotlib, PNG) for `launch.py --mode=figures` and the experiment scripts.

One module per figure family, each a plain function of arrays and a path (usable from scripts):
curves.py (metrics.jsonl of a run or of a sweep's trials), attention.py (attention maps per layer
and head), position.py (sinusoidal encodings and their dot products), filters.py (first-layer
convolution filters), spectrogram.py (log-mel with per-frame predictions), receptive_field.py
(a dilated stack over its input). make.py picks what a run's checkpoint and config can draw.
"""
