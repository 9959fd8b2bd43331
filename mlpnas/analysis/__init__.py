"""Reading what a search found, from its event folder alone. Never imports TensorFlow.

    summary.py            ranked architectures, per-epoch means, choice frequencies and effects
    predictor_quality.py  how well the accuracy predictor did (one out-of-sample definition)
    plots.py              PNG plots (Agg backend)
    text.py               plain-text tables for the terminal
    report.py             the self-contained HTML report
"""
