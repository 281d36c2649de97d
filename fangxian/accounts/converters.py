"""Path converters: a row id in a URL is at most what a 64-bit column holds, so that a longer
number is a 404 like any other id that does not exist, not an overflow in the database."""

from fangxian.lib.ids import as_id


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = as_id(value)
        if number is None:
            raise ValueError(value)  # Django answers 404 for a path no converter accepts
        return number

    def to_url(self, value: int) -> str:
        return str(value)
