"""Interactive widgets of the course (ipywidgets; the API shared by 7.7 and 8).

One module per widget, each a thin layer of callbacks over pure functions that the tests call
directly: `playground` (toy GAN, notebook 02), `monitor` (live training monitor, notebook 04),
`latent` (latent-space explorer, notebook 06), `quiz` (real-or-fake quiz, notebook 06).
Import the module you need; this package imports nothing at import time.
Where no widget front end exists, each widget falls back to static output (see `_compat`).
"""
