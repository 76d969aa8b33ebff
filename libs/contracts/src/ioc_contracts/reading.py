"""Reading internal events written by a newer producer.

Fields of a contract are only ever added, never renamed, so a consumer that meets a field
it does not know is simply older than the producer: it reads what it knows and ignores
the rest. The models themselves stay strict (`extra="forbid"`), so producers never send
a misspelt field; only readers are lenient. Agencies' IndicatorEvents are not read this
way: an unknown field there is the sender's mistake and is refused.
"""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)


def read_newer(model: type[Model], raw: bytes | str) -> Model:
    """`raw` (JSON) as `model`, ignoring top-level fields the model does not know.

    Raises ValueError (pydantic's ValidationError is one) when it is not JSON or not valid.
    """
    document = json.loads(raw)
    if isinstance(document, dict):
        known = model.model_fields
        document = {name: value for name, value in document.items() if name in known}
    return model.model_validate(document)
