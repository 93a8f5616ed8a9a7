// Customer metrics: the daily active-profile chart (Chart.js from npm, served as static).
(function () {
  "use strict";
  var source = document.getElementById("active-chart-data");
  var canvas = document.getElementById("active-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return; // no data, or Chart.js not installed: the table below still shows the numbers
  }
  var data = JSON.parse(source.textContent);
  window.activeProfilesChart = window.platformChart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [{
        label: data.label, data: data.values, tension: 0.2, fill: false, borderColor: "#417690",
        // Backfilled days (counted later from the logs) as hollow points.
        pointBackgroundColor: (data.backfilled || []).map(function (b) { return b ? "#ffffff" : "#417690"; }),
        pointStyle: (data.backfilled || []).map(function (b) { return b ? "rectRot" : "circle"; }),
      }],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
