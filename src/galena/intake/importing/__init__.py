"""File import (channel 9): CSV and XLSX lists of people turned into submissions and leads.

files.py reads a stored file row by row; mapping.py suggests and checks which column is
which field; rows.py turns one row into a parsed submission (pure); services.py runs a
job in chunks — dry run or import, resumable — through the intake stages."""
