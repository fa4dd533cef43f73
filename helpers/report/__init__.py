"""The report side: `python -m helpers run` (papermill + nbconvert, atomic reports), the index
page and the HTML templates."""
