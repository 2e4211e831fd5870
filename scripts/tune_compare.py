#!/usr/bin/env python3
"""Compares a raced `wsbench tune` folder with an `--exhaustive` one of the same search space.

    scripts/tune_compare.py RACE_DIR EXHAUSTIVE_DIR

Prints the race's winner, its median cost in the exhaustive folder over the exhaustive
best's (the issue's target: within 2%), and the race's runs over the exhaustive runs (the
target: at most 25%). Exit status 1 when the folders are not of the same candidates.
"""
import json
import sys


def load(d):
    with open(f"{d}/tune.json") as f:
        return json.load(f)


def main():
    race, full = load(sys.argv[1]), load(sys.argv[2])
    names = [c["name"] for c in full["candidates"]]
    if [c["name"] for c in race["candidates"]] != names:
        print("the two folders raced different candidates", file=sys.stderr)
        return 1
    medians = {c["name"]: c["median"] for c in full["candidates"] if c["median"] is not None}
    best_name = min(medians, key=medians.get)
    left = [c["name"] for c in race["candidates"] if c["left"]]
    winner = min(left, key=lambda n: next(c["median"] for c in race["candidates"] if c["name"] == n))
    ratio = medians[winner] / medians[best_name]
    share = race["runs"] / full["runs"]
    print(f"race winner: {winner} ({race['end']})")
    print(f"exhaustive best: {best_name}")
    print(f"winner's exhaustive median / exhaustive best's: {ratio:.4f} (target ≤ 1.02)")
    print(f"race runs / exhaustive runs: {race['runs']} / {full['runs']} = {share:.1%} (target ≤ 25%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
