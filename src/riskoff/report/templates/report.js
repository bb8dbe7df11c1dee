(function () {
  "use strict";
  var figures = JSON.parse(document.getElementById("riskoff-figures").textContent);
  var PRINT_WIDTH = 680; // px: an A4 page less its margins
  // Charts size to their box when drawn and on screen resizes (not on print layout), so the
  // print zoom computed from the drawn width always fits the page.
  var config = { responsive: false, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  var printing = window.matchMedia ? window.matchMedia("print") : null;

  function eachPlot(fn) {
    Object.keys(figures).forEach(function (id) {
      var el = document.getElementById("chart-" + id);
      if (el) { fn(id, el); }
    });
  }

  function fitPrint(el) {
    // The drawn width in the chart's own pixels (offsetWidth would include any zoom in force).
    var svg = el.querySelector(".main-svg");
    var width = svg ? parseFloat(svg.getAttribute("width")) : el.offsetWidth;
    el.style.setProperty("--print-zoom", String(Math.min(1, PRINT_WIDTH / Math.max(1, width || 1))));
  }

  function fail(reason) {
    eachPlot(function (id, el) {
      el.innerHTML = '<p class="plot-fallback">This chart could not be drawn (' + reason +
        "). The text and tables of the brief are complete without it.</p>";
    });
    document.documentElement.setAttribute("data-charts", "failed");
  }

  function draw() {
    if (typeof window.Plotly === "undefined") { fail("plotly.js did not load"); return; }
    var pending = [];
    eachPlot(function (id, el) {
      pending.push(window.Plotly.newPlot(el, figures[id].data, figures[id].layout, config));
    });
    Promise.all(pending).then(function () {
      eachPlot(function (id, el) { fitPrint(el); });
      document.documentElement.setAttribute("data-charts", "drawn");
    });
    var timer = null;
    window.addEventListener("resize", function () {
      if (printing && printing.matches) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        eachPlot(function (id, el) {
          window.Plotly.Plots.resize(el).then(function () { fitPrint(el); });
        });
      }, 150);
    });
  }

  function load(code) {
    var script = document.createElement("script");
    script.textContent = code;
    document.head.appendChild(script);
    draw();
  }

  var packed = document.getElementById("plotly-gz");
  if (!packed) { draw(); return; }
  if (typeof DecompressionStream === "undefined") { fail("this browser cannot unpack the embedded chart library"); return; }
  var binary = atob(packed.textContent.trim());
  var bytes = new Uint8Array(binary.length);
  for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(load, function (err) { fail(String(err)); });
})();
