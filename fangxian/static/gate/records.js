// The gate records' passes by hour, stacked by verdict, from the data the page carries.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("hourly-data").textContent);
  const chart = echarts.init(document.getElementById("hourly"));
  chart.setOption({
    // Drawn on the canvas: an HTML tooltip would carry inline styles, which the policy refuses.
    tooltip: { trigger: "axis", renderMode: "richText" }, legend: { top: 0 }, grid: { left: 32, right: 8, top: 32, bottom: 24 },
    xAxis: { type: "category", data: data.hours }, yAxis: { type: "value", minInterval: 1 },
    series: data.series.map((s) => ({ name: s.name, type: "bar", stack: "all", data: s.data })),
  });
})();
