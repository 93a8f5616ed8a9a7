// Offers › Deployment: rows changed by each of offerMgt's last runs (Chart.js from npm,
// served as static); the table below holds the same numbers.
(function () {
  "use strict";
  var source = document.getElementById("changes-chart-data");
  var canvas = document.getElementById("changes-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  window.deploymentChart = new window.Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: data.label, data: data.values, backgroundColor: "#417690" }] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
