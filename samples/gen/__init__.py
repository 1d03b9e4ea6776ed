"""Building blocks of the sample generator: people, pen, pages, distortions, files."""
