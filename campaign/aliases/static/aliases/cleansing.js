// Alias cleansing: rows rewritten and values collected per run (Chart.js from npm).
(function () {
  "use strict";
  var source = document.getElementById("runs-chart-data");
  var canvas = document.getElementById("runs-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return; // no run, or Chart.js not installed: the table below still shows the numbers
  }
  var data = JSON.parse(source.textContent);
  window.aliasCleansingChart = new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.rewritten_label, data: data.rewritten, backgroundColor: "#417690", yAxisID: "rows" },
        { label: data.collected_label, data: data.collected, backgroundColor: "#e0b84d", yAxisID: "values" },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        rows: { position: "left", beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.rewritten_label } },
        values: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: data.collected_label } },
      },
    },
  });
})();
