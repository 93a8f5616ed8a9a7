// Offers › Deployment: rows changed by each of offerMgt's last runs, through the
// platform's chart helper (campaign/charts.js); the table below holds the same numbers.
(function () {
  "use strict";
  var source = document.getElementById("changes-chart-data");
  var canvas = document.getElementById("changes-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  window.deploymentChart = window.platformChart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: data.label, data: data.values, backgroundColor: "#417690" }] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
