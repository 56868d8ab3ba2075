"""Mushrif: an offline assistant for the admins of social-media groups."""

import os

# Nothing in Mushrif may reach a model hub: a missing file must fail fast, never hang.
for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_name, "1")

__version__ = "0.1.0"
