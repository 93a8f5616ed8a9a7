// Delivery report pages: line charts of the series in each <script type="application/json"
// id="…-data"> block next to a <canvas id="…">, with Chart.js (npm, served as static).
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return; // Chart.js not installed: the tables below the charts still show the numbers
  }
  var colours = ["#417690", "#e08e0b", "#2e8540", "#a0447b"];
  window.deliveryCharts = {};
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    window.deliveryCharts[canvas.id] = new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, index) {
          return {
            label: series.label,
            data: series.values,
            tension: 0.2,
            fill: false,
            borderColor: colours[index % colours.length],
            backgroundColor: colours[index % colours.length],
          };
        }),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.y } },
        },
      },
    });
  });
})();
