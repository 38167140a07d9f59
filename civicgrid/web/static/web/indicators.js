// One indicator's trend: approved figures per area (lines), its targets (points) and the
// linear path from baseline to final target (dashed), from json_script "indicator-chart-data".
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  var holder = document.getElementById("indicator-chart");
  var source = document.getElementById("indicator-chart-data");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data.series.length && !data.targets.length) {
    holder.textContent = data.empty;
    holder.classList.add("empty");
    return;
  }
  var series = data.series.map(function (s) {
    return { name: s.name, type: "line", data: s.data, symbolSize: 7,
             label: { show: true, position: "top" } };
  });
  if (data.path.length) {
    series.push({ name: data.pathName, type: "line", data: data.path, symbol: "none",
                  lineStyle: { type: "dashed", width: 1.5, color: "#888" } });
  }
  if (data.targets.length) {
    series.push({ name: data.targetName, type: "scatter", symbol: "diamond", symbolSize: 12,
                  itemStyle: { color: "#d97706" },
                  data: data.targets.map(function (t) { return { name: t.name, value: [t.date, t.value] }; }),
                  label: { show: true, position: "right", formatter: function (p) { return p.name + " " + p.value[1]; } } });
  }
  var chart = echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "item" },
    legend: { top: 0 },
    grid: { left: 64, right: 128, top: 40, bottom: 32 },
    xAxis: { type: "time", min: data.start, max: data.end },
    yAxis: { type: "value", name: data.unit, scale: true },
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
