"""The street takes in the hotline's export on a phone: upload through the real form, see
where each order goes (one stays with the street: its address names no community), confirm."""

from fangxian.casework.models import Case
from fangxian.lib.tabular import write_xlsx

from .conftest import shot
from .test_registry_flows import log_in

HEADER = [
    "工单编号",
    "受理时间",
    "来电人",
    "联系电话",
    "问题分类",
    "诉求地址",
    "诉求内容",
    "承办单位",
    "办理时限",
    "来电次数",
]
ROWS = [
    [
        "2020030100001",
        "2020-03-01 09:15",
        "张女士",
        "13812345678",
        "小区出入口管理",
        "香厂路社区1号楼",
        "门口秩序混乱",
        "天桥街道",
        "1个工作日",
        "1",
    ],
    [
        "2020030100002",
        "2020-03-01 10:02",
        "李先生",
        "139****5678",
        "环境卫生",
        "永安路社区2号楼",
        "楼道堆放杂物",
        "天桥街道",
        "",
        "2",
    ],
    [
        "2020030100003",
        "2020-03-01 11:40",
        "匿名",
        "",
        "外星人来访",
        "西城区某某胡同12号",
        "路口夜间施工噪音",
        "天桥街道",
        "",
        "1",
    ],
]


def test_the_street_admin_imports_a_12345_export_on_a_phone(live_server, world, browser):
    workbook = write_xlsx(HEADER, ROWS, sheet_title="12345")
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server.url, "street_admin")
        page.goto(f"{live_server.url}/casework/hotline/")
        page.set_input_files(
            "input[name=file]",
            files=[{"name": "12345工单.xlsx", "mimeType": "application/octet-stream", "buffer": workbook}],
        )
        page.click("#check-file")
        page.wait_for_selector("#import-now")
        text = page.inner_text("main")
        assert "新增 3" in text and "香厂路社区: 1" in text and "永安路社区: 1" in text
        held = page.inner_text("#held-rows")
        assert "2020030100003" in held and "某某胡同12号" in held
        assert "外星人来访" in text  # the unknown category, filed as Other
        assert "来电次数" in text  # the column not read
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        shot(page, "hotline-preview")
        assert not Case.objects.exists()
        page.click("#import-now")
        page.wait_for_selector("#imported")
        assert "1 件工单留在街道" in page.inner_text("main")
        shot(page, "hotline-imported")
        held_case = Case.objects.get(hotline_number="2020030100003")
        assert held_case.community is None and held_case.street == world.tianqiao
        assert Case.objects.get(hotline_number="2020030100001").community == world.xiangchang
    finally:
        context.close()
