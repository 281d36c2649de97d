"""The printed pick list's lines stay in their columns whatever the names are written in."""

from fangxian.stations import ordering, printing

from .conftest import make_round


def test_columns_count_chinese_characters_twice():
    assert printing.width("蔬菜包 A") == 8 and printing.pad("101", 6, right=True) == "   101"


def test_every_line_of_an_entrance_is_as_wide_as_its_header(world):
    row = make_round(world)
    a, b = row.packages.order_by("id")
    ordering.place(row, world.dwelling(world.xiangchang, "1", 1, "101"), {a.id: 2, b.id: 1}, "phone")
    ordering.place(row, world.dwelling(world.xiangchang, "1", 1, "302"), {a.id: 1}, "phone")
    listed = ordering.pick_list(row, row.orders.all())
    printing.lay_out(listed)
    group = listed["groups"][0]
    widths = {printing.width(line) for line in [group["header"], *group["lines"], group["footer"]]}
    assert len(widths) == 1
    assert "302" in group["lines"][1] and group["footer"].split()[1:3] == ["2", "3"]
