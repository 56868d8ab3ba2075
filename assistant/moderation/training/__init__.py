"""Training of the classification heads shipped under ``models/`` (``mushrif train TASK``)."""
