'use strict';
// Bar chart of run durations on a workflow's page; data comes from json_script,
// one bar per finished run (oldest first) in its status colour.
document.addEventListener('DOMContentLoaded', () => {
    const canvas = document.getElementById('run-chart');
    const source = document.getElementById('run-chart-data');
    if (!canvas || !source || typeof Chart === 'undefined') {
        return;
    }
    const points = JSON.parse(source.textContent);
    const label = canvas.getAttribute('aria-label');
    window.platformChart(canvas, {
        type: 'bar',
        data: {
            labels: points.map((p) => p.label),
            datasets: [{
                label: label,
                data: points.map((p) => p.seconds),
                backgroundColor: points.map((p) => p.color),
            }],
        },
        options: {
            maintainAspectRatio: false,
            animation: false,
            plugins: {
                legend: {display: false},
                tooltip: {callbacks: {afterLabel: (item) => `#${points[item.dataIndex].id} ${points[item.dataIndex].status}`}},
            },
            scales: {y: {beginAtZero: true, title: {display: true, text: 's'}}},
        },
    });
});
