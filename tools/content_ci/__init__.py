"""demisto/content's CI for this repository's packs, as far as it runs offline: each code folder's tests alone in
the content repository's layout (`folders`), and the pre-commit gates (`gates`)."""
