// Draws every <canvas data-chart="ID" data-kind="line|bar"> from the JSON in <script id="ID">
// ({labels: [...], series: [{label, data}]}) with the locally served Chart.js.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    const spec = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: canvas.dataset.kind || "line",
      data: {
        labels: spec.labels,
        datasets: spec.series.map((series) => ({ label: series.label, data: series.data, tension: 0.2 })),
      },
      options: { responsive: true, animation: false, plugins: { legend: { position: "bottom" } } },
    });
    canvas.dataset.drawn = "1";
  });
});
