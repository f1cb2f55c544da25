"""One YAML loader for the project's own YAML, bounded in size and in alias expansion.

`yaml.safe_load` builds nothing dangerous, but it happily accepts a "billion laughs" file: a
few hundred bytes of nested aliases that expand to 10^9 nodes as soon as anything walks the
result (pandas, json, a recursive check), and a multi-gigabyte file is read whole. So before
constructing anything, the event stream is walked once and the *expanded* node count (an
alias counts as the size of what it points to) is capped, as is the file size. Only then is
the document built, with libyaml's C loader when PyYAML has it.

No import from the rest of the project, so both `sources` (catalogue, geography overrides) and
`dividend` (frameworks, scenarios, recipes, sensitivity files) use this one implementation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_YAML_BYTES = 4 * 1024 * 1024  # the largest project YAML (catalogue) is ~15 kB
MAX_YAML_NODES = 1_000_000  # expanded nodes, aliases counted at their full size


class YamlError(ValueError):
    """A YAML file that is unreadable, malformed or over a limit; names the file and line."""

    def __init__(self, message: str, *, file: str, line: int | None = None) -> None:
        self.file, self.line, self.detail = file, line, message
        where = f"file {file!r}" + (f", line {line}" if line is not None else "")
        super().__init__(f"{where}: {message}")


def _check_expansion(text: str, file: str, max_nodes: int) -> None:
    """Walk the events once; raise as soon as the expanded size passes `max_nodes`."""
    sizes: dict[str, int] = {}  # anchor -> expanded size of the anchored node
    open_nodes: list[tuple[int, str | None]] = []  # (expanded count at start, anchor)
    expanded = 0
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        if isinstance(event, yaml.AliasEvent):
            expanded += sizes.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            expanded += 1
            open_nodes.append((expanded - 1, event.anchor))
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            start, anchor = open_nodes.pop()
            if anchor:
                sizes[anchor] = expanded - start
        if expanded > max_nodes:
            line = event.start_mark.line + 1 if event.start_mark else None
            raise YamlError(
                f"expands to more than {max_nodes:,} nodes (alias bomb?); refused",
                file=file,
                line=line,
            )


def load_yaml_text(
    text: str, *, file: str, max_nodes: int = MAX_YAML_NODES, max_bytes: int = MAX_YAML_BYTES
) -> Any:
    """Parse `text` (named `file` in errors) within the size and expansion limits."""
    if len(text) > max_bytes:
        raise YamlError(f"{len(text):,} characters, over the cap of {max_bytes:,}", file=file)
    try:
        _check_expansion(text, file, max_nodes)
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlError(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            file=file,
            line=mark.line + 1 if mark else None,
        ) from None


def load_yaml(
    path: Path, *, max_nodes: int = MAX_YAML_NODES, max_bytes: int = MAX_YAML_BYTES
) -> Any:
    """Load one YAML file: size checked on disk first, so a huge file is never read."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise YamlError("file not found", file=str(path)) from None
    if size > max_bytes:
        raise YamlError(f"{size:,} bytes, over the cap of {max_bytes:,}", file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"not UTF-8 text: {exc}", file=str(path)) from None
    return load_yaml_text(text, file=str(path), max_nodes=max_nodes, max_bytes=max_bytes)
