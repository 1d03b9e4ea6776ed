"""What a run and an export write: clean.csv / review.csv, the final export and its
presets, the cells' text, and the run report."""
