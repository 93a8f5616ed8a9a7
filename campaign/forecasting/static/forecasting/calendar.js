// The provisional calendar: messages forecast per day, stacked by channel (Chart.js
// from npm through the platform's helper, campaign/charts.js: numbers in the page's
// language). Without Chart.js the calendar still shows every figure.
(function () {
  "use strict";
  var source = document.getElementById("calendar-chart-data");
  var canvas = document.getElementById("calendar-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = ["#417690", "#b38600", "#5b8c5a", "#ba2121", "#7a5195", "#ef5675", "#003f5c"];
  window.provisionalCalendarChart = window.platformChart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.datasets.map(function (dataset, index) {
        return { label: dataset.label, data: dataset.data, backgroundColor: colours[index % colours.length] };
      }),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.axis } },
      },
    },
  });
})();
