"""Facts fixed by the research brief (issue 3), shared by the source and index tests."""

from __future__ import annotations

# The eight study cities, alphabetical, as the brief names them.
STUDY_CITIES = [
    "Auckland",
    "Buenos Aires",
    "Chicago",
    "Kuala Lumpur",
    "Lisbon",
    "Nairobi",
    "Rotterdam",
    "São Paulo",
]
