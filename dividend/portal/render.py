"""Jinja2 rendering of the portal's pages: one template per page, one shared shell.

Autoescaping is on for every template, so a unit name or a source title can never inject
markup. Fragments built column-wise by the page modules (tables, charts) are the only
pre-rendered HTML, and they enter a template explicitly as :class:`markupsafe.Markup`
(everything inside them was escaped by :func:`dividend.portal.text.esc_col`).
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

__all__ = ["Markup", "render"]


@cache
def environment() -> Environment:
    """The one template environment (templates ship inside the package)."""
    env = Environment(
        loader=PackageLoader("dividend.portal", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def render(template: str, **context: object) -> str:
    """Render ``templates/<template>`` with ``context`` (missing variables are an error)."""
    return environment().get_template(template).render(**context)
