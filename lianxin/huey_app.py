"""The Huey instance, configured from settings.HUEY by huey.contrib.djhuey."""

from huey.contrib.djhuey import HUEY as huey

__all__ = ["huey"]
