"""The base of every Goalpost pydantic model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A pydantic model whose validator is built the first time it is used, not when its module is imported:
    a function then pays (a few ms each) only for the models it touches, not for every model its imports
    define. Subclasses' own ``model_config`` is merged with this one."""

    model_config = ConfigDict(defer_build=True)
