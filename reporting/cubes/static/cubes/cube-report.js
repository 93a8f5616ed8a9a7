// Cube reports: the chart of the selected measures (Chart.js from npm, served as static).
// Periods on the x axis (a line per measure), or the first rows (bars) without a date
// level; figures in % or s get their own axis on the right. Drawn once the document is
// parsed and the admin's deferred scripts (the sidebar) have set the layout: Chart.js
// sizes the canvas from its box when it starts.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("report-chart-data");
    var canvas = document.getElementById("report-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return; // no chart data, or Chart.js not installed: the table shows the figures
    }
    var data = JSON.parse(source.textContent);
    var colors = ["#417690", "#dc3545", "#198754", "#b58900", "#6f42c1", "#0d6efd", "#6c757d", "#fd7e14"];
    var hasUnit = data.datasets.some(function (set) { return set.unit; });
    var datasets = data.datasets.map(function (set, index) {
      return {
        label: set.unit ? set.label + " (" + set.unit + ")" : set.label,
        data: set.values,
        yAxisID: set.unit ? "unit" : "y",
        borderColor: colors[index % colors.length],
        backgroundColor: colors[index % colors.length],
        tension: 0.2,
        fill: false,
      };
    });
    var scales = { y: { beginAtZero: true, position: "left" } };
    if (hasUnit) {
      scales.unit = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } };
    }
    window.cubeReportChart = new window.Chart(canvas, {
      type: data.by_period ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets },
      options: { animation: false, maintainAspectRatio: false, scales: scales },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
