"""How personal identifiers are shown to people who have not asked to reveal them."""


def mask_id_number(number: str) -> str:
    """110105199001011234 → 110105********1234; short documents keep only their last 2."""
    if not number:
        return ""
    if len(number) >= 14:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    return "*" * max(len(number) - 2, 1) + number[-2:]


def mask_phone(number: str) -> str:
    """13812345678 → 138****5678; 010-12345678 → 010-****5678."""
    if not number:
        return ""
    if "-" in number:
        area, local = number.split("-", 1)
        return f"{area}-{'*' * max(len(local) - 4, 0)}{local[-4:]}"
    if len(number) <= 7:
        return "*" * (len(number) - 2) + number[-2:]
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_name(name: str) -> str:
    """张三明 → 张*明; 张三 → 张*; used where a name leaves the registry (permits, exports)."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
