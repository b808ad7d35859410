#!/usr/bin/env python3
"""Prints the figures of attacks.py runs as one Markdown table: attack, figure, ours, baseline."""
import json
import sys


def load(path):
    with open(path) as f:
        return {d["attack"]: d for d in (json.loads(line) for line in f if line.strip())}


ours = load(sys.argv[1])
base = load(sys.argv[2]) if len(sys.argv) > 2 else {}
print("| attack | figure | ours | baseline |" if base else "| attack | figure | ours |")
print("| --- | --- | --- | --- |" if base else "| --- | --- | --- |")
for attack, figures in ours.items():
    for key, value in figures.items():
        if key == "attack":
            continue
        row = [attack, key, str(value)]
        if base:
            row.append(str(base.get(attack, {}).get(key, "")))
        print("| " + " | ".join(row) + " |")
