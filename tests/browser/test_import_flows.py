"""A spreadsheet import on a phone: the upload and the confirmation answer at once, the page
follows each job and turns into its result."""

import csv
import io

from fangxian.jobs.models import Job
from fangxian.lib.tabular import write_xlsx
from fangxian.people.models import ImportBatch, Resident
from fangxian.people.tests.test_import import RESIDENTS, load_territory

from .conftest import shot
from .test_job_flows import DATABASE_TASKS, running_worker
from .test_registry_flows import log_in


def test_a_secretary_imports_a_workbook_following_its_check_and_its_write(live_server, world, browser, settings):
    settings.TASKS = DATABASE_TASKS
    load_territory(world.xiangchang)
    header, *rows = list(csv.reader(io.StringIO(RESIDENTS)))
    workbook = write_xlsx(header, rows, sheet_title="residents")
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, live_server.url, "secretary")
        page.goto(f"{live_server.url}/people/import/")
        page.set_input_files(
            "input[name=file]",
            files=[{"name": "居民.xlsx", "mimeType": "application/octet-stream", "buffer": workbook}],
        )
        page.click("button.primary")
        page.wait_for_url("**/people/import/*/")
        # No worker yet: the page answered before the check and says it waits its turn.
        assert "排队等待中" in page.inner_text(".job") and "检查 居民.xlsx" in page.inner_text(".job")
        shot(page, "import-waiting")
        with running_worker():
            page.wait_for_selector("#import-now", timeout=60_000)  # the progress turned into the preview
            assert "张三明" in page.inner_text("main") and "新增 3" in page.inner_text("main")
            shot(page, "import-preview")
            assert not Resident.objects.filter(name="张三明").exists()
            page.click("#import-now")
            page.wait_for_selector("text=导入完成", timeout=60_000)
        shot(page, "import-done")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert ImportBatch.objects.get().status == "applied" and Resident.objects.filter(name="张三明").count() == 1
        assert [job.state for job in Job.objects.order_by("id")] == ["done", "done"]
    finally:
        context.close()
