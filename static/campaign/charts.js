// The platform's charts (Chart.js from npm): numbers in the operator's locale (the
// page's language), and a series of fewer than two points drawn as bars with a note,
// never a line chart with one dot at its edge. Load after Chart.js, before the page's
// own chart script; the page calls platformChart(canvas, config).
(function () {
    "use strict";
    window.platformChart = function (canvas, config) {
        if (typeof window.Chart === "undefined" || !canvas) {
            return null; // Chart.js not installed: the table beside the chart shows the numbers
        }
        const locale = document.documentElement.lang || "en";
        const points = Math.max(0, ...config.data.datasets.map((dataset) => dataset.data.length));
        if (points < 2 && config.type === "line") {
            config.type = "bar";
            const note = canvas.dataset.fewPoints;
            if (note) {
                const paragraph = document.createElement("p");
                paragraph.className = "chart-note";
                paragraph.textContent = note;
                canvas.parentElement.after(paragraph);
            }
        }
        config.options = Object.assign({ locale: locale }, config.options || {});
        return new window.Chart(canvas, config);
    };
})();
