"""The record-matching benchmark (issue 5): a labelled generator, an evaluation and a harness
that runs Galena's ``dedupe --csv`` side by side with splink and recordlinkage."""
