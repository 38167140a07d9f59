// One unit's last twelve months as an ECharts line chart; the figures come from the page
// (json_script "unit-chart-data"), the same numbers as the table below the chart.
(function () {
  "use strict";
  var holder = document.getElementById("unit-chart");
  var source = document.getElementById("unit-chart-data");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 40, bottom: 32 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: 0, max: 100, name: data.yName },
    series: data.series.map(function (s, i) {
      return { name: s.name, type: "line", data: s.data, connectNulls: false,
               lineStyle: { width: i === 0 ? 3 : 1.5 }, symbolSize: i === 0 ? 7 : 5 };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
