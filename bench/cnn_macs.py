"""How many multiply-adds do cnn-space children spend, and how many does --max-macs auto leave out?

Draws children uniformly from the cnn space (the random strategy, as the controller's first
epoch does), builds each for the given image size and counts its multiply-adds on one
image (mlpnas.training.cost.multiply_adds). Prints the quantiles, the textbook CNN's count
beside them, and the share of draws over the `--max-macs auto` limit (IMAGE_MACS_PER_PIXEL
per input pixel) and over a few other limits. No training; about 10 s per 100 children.

    python bench/cnn_macs.py                       # 28 x 28 x 1 (Fashion-MNIST), 300 draws
    python bench/cnn_macs.py --shape 32 32 3 --draws 200
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shape", type=int, nargs=3, default=[28, 28, 1], metavar=("H", "W", "C"))
    p.add_argument("--draws", type=int, default=300)
    p.add_argument("--seed", type=int, default=123)
    args = p.parse_args()

    import CONSTANTS as C
    from mlpnas.spaces import make_space, space_info
    from mlpnas.strategies.random import RandomStrategy
    from mlpnas.training.cost import multiply_adds
    from textbook import textbook_cnn

    shape = tuple(args.shape)
    space = make_space("cnn", input_shape=shape)
    build = space_info("cnn").build_function()
    strategy = RandomStrategy(space, seed=args.seed)
    counts = np.array([multiply_adds(build(space, strategy.sample_one(), shape, 10, False).model)
                       for _ in range(args.draws)], dtype=float)
    textbook = multiply_adds(textbook_cnn(shape, 10, args.seed))
    limit = C.IMAGE_MACS_PER_PIXEL * shape[0] * shape[1]
    quantiles = [10, 25, 50, 75, 90, 95, 99]
    print(f"{args.draws} uniform cnn children on {shape[0]}x{shape[1]}x{shape[2]} images, "
          f"multiply-adds per image (millions):")
    for q, v in zip(quantiles, np.percentile(counts, quantiles)):
        print(f"  {q:>2}th percentile  {v / 1e6:8.1f}")
    print(f"  textbook CNN     {textbook / 1e6:8.1f}")
    for factor in (2, 5, 10):
        share = (counts > factor * textbook).mean()
        print(f"over {factor:>2} x the textbook CNN ({factor * textbook / 1e6:.1f}M): {share:.1%}")
    print(f"over --max-macs auto ({limit / 1e6:.1f}M, {C.IMAGE_MACS_PER_PIXEL:,} per pixel): "
          f"{(counts > limit).mean():.1%}")


if __name__ == "__main__":
    main()
