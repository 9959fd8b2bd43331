"""Search strategies on tabulated benchmarks (`nas bench`): a child's training is a table look-up.

    tables.py   the NAS-Bench-201, HPOLib and HPOBench tables as token spaces
    runner.py   strategies side by side over seeds: regret, p-values, the summary table
"""
