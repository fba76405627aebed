"""Speed benchmarks (`make bench` runs `python -m bench`): every ratio is measured in the same run."""
