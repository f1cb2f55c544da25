"""The characters XML 1.0 forbids, defined once for the whole project.

C0 controls other than tab, line feed and carriage return, U+FFFE, U+FFFF and lone surrogates
make an XLSX worksheet ill-formed XML, which Excel refuses to open. Source validation refuses
them in publisher strings (``sources.tidy``); the release's XLSX writer removes them from the
strings the engine creates itself (the CSV keeps every character).
"""

from __future__ import annotations

import re

XML_FORBIDDEN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]"
_FORBIDDEN = re.compile(XML_FORBIDDEN)


def strip_xml_forbidden(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    return _FORBIDDEN.sub("", text)
