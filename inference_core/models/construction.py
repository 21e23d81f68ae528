"""One model built at a time in this process.

transformers sets torch's default dtype process-wide while it builds a model
(``local_torch_dtype``), so two threads building at once (a load in one lane, an estimate
or a load in another) can give each other's tensors the wrong dtype. Every model
construction holds this lock; generation does not.
"""

from __future__ import annotations

import threading

BUILD_LOCK = threading.RLock()
