"""One error type for bad source input, so every failure names dataset, file, row and column."""

from __future__ import annotations


class SourceError(ValueError):
    """A publisher file that cannot be trusted: changed, truncated, corrupted or malformed."""

    def __init__(
        self,
        message: str,
        *,
        dataset: str,
        file: str | None = None,
        row: int | str | None = None,
        column: str | None = None,
    ) -> None:
        self.dataset, self.file, self.row, self.column = dataset, file, row, column
        where = [f"dataset {dataset!r}"]
        if file is not None:
            where.append(f"file {file!r}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")
