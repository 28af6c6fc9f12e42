"""``validate``: every check of the package, all problems reported together.

Needs the ``validate`` extra (pandera, frictionless).
"""

from coalition_data.validation.pandera_schemas import pandera_schema
from coalition_data.validation.problems import Problem, format_json, format_text
from coalition_data.validation.run import validate

__all__ = ["Problem", "format_json", "format_text", "pandera_schema", "validate"]
