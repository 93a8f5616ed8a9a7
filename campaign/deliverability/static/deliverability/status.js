// Deliverability page: inbound messages per day and kind (Chart.js from npm, stacked bars).
(function () {
  "use strict";
  var source = document.getElementById("bounce-chart-data");
  var canvas = document.getElementById("bounce-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return; // Chart.js not installed: the table still shows the numbers
  }
  var data = JSON.parse(source.textContent);
  var colours = ["#b22222", "#6f42c1", "#417690", "#2e7d32", "#b36b00", "#666666"];
  window.bounceChart = new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.datasets.map(function (set, index) {
        return { label: set.label, data: set.values, backgroundColor: colours[index % colours.length] };
      }),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      locale: document.documentElement.lang || undefined,
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.yLabel } },
      },
    },
  });
})();
