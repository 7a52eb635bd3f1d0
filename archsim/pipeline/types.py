"""The type of a pipeline step."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from archsim.pipeline.state import RunState

Step = Callable[[RunState], None]
"""A step reads what earlier steps set on the state and sets its own fields."""

Steps = Sequence[tuple[str, Step]]
"""Named steps in the order they run."""
