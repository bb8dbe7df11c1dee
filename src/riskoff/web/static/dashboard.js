// riskoff dashboard: reads the app's JSON API and draws with the app's own plotly.js.
// Text from the data is only ever set with textContent (never parsed as HTML).
(function () {
  "use strict";
  var SEVERITY_COLORS = {
    none: "#3c8d5a", mild: "#b08900", moderate: "#d46a00", severe: "#c0392b",
    extreme: "#7b1020", unknown: "#8a93a3"
  };
  var TYPES = ["calm", "broad_selloff", "flight_to_safety", "liquidity_crunch", "funding_squeeze",
    "rate_shock", "carry_unwind", "concentrated"];
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  var dateInput = document.getElementById("date");
  var windowInput = document.getElementById("window");
  var statusEl = document.getElementById("status");
  var episodes = null;
  var generation = 0;

  function $(id) { return document.getElementById(id); }
  function words(value) { return String(value == null ? "" : value).replace(/_/g, " "); }
  function fmt(value, digits) { return value == null ? "n/a" : Number(value).toFixed(digits); }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text != null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function api(path, params) {
    var query = new URLSearchParams();
    Object.keys(params || {}).forEach(function (k) {
      if (params[k] != null && params[k] !== "") { query.set(k, params[k]); }
    });
    var url = path + (query.toString() ? "?" + query.toString() : "");
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body && body.detail ? body.detail : "HTTP " + r.status); }
        return body;
      });
    });
  }

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.className = isError ? "status error" : "status";
    statusEl.setAttribute("role", isError ? "alert" : "status");
  }

  function severityBadge(severity) {
    return el("span", words(severity), "sev sev-" + severity);
  }

  function renderVerdict(d) {
    $("headline").textContent = d.headline;
    $("crash-type").textContent = words(d.crash_type) +
      (d.runner_up ? " (runner-up: " + words(d.runner_up) + ")" : "");
    clear($("severity"));
    $("severity").appendChild(severityBadge(d.severity));
    $("confidence").textContent = fmt(d.confidence, 2);
    $("described").textContent = d.date + " (window " + d.window + " business days; known on " +
      d.as_of + ")";
    var list = $("epicenters");
    clear(list);
    if (!d.epicenters.length) { list.appendChild(el("li", "none: no market stands out")); }
    d.epicenters.forEach(function (e) {
      var li = el("li");
      li.appendChild(severityBadge(e.severity));
      li.appendChild(document.createTextNode(" " + e.label + ": " + fmt(e.move_pct, 1) +
        "% over the window (" + fmt(e.move_z, 1) + " sigma), " + e.series + ", " + e.start +
        " to " + e.end));
      list.appendChild(li);
    });
    var link = $("brief-link");
    link.href = d.brief_url;
    link.textContent = "Full brief for " + d.date;
  }

  function renderNumbers(d) {
    var list = $("key-numbers");
    clear(list);
    d.key_numbers.forEach(function (n) {
      var li = el("li");
      li.appendChild(el("span", n.label, "label"));
      li.appendChild(el("span", n.text, "value"));
      var meta = ["observed " + n.observed];
      if (n.window != null) { meta.push("window " + n.window + " business days"); }
      meta.push(n.series);
      li.appendChild(el("span", meta.join(" · "), "meta"));
      list.appendChild(li);
    });
  }

  function renderAnalogs(d) {
    var body = document.querySelector("#analogs-table tbody");
    clear(body);
    if (!d.analogs.length) {
      var tr = el("tr");
      var td = el("td", "No labelled episode had ended by this day.");
      td.colSpan = 5;
      tr.appendChild(td);
      body.appendChild(tr);
    }
    d.analogs.forEach(function (a) {
      var tr = el("tr");
      var name = el("td");
      var jump = el("button", a.name, "linkish");
      jump.type = "button";
      jump.addEventListener("click", function () { show(a.peak); });
      name.appendChild(jump);
      tr.appendChild(name);
      tr.appendChild(el("td", a.peak, "num"));
      tr.appendChild(el("td", words(a.crash_type)));
      tr.appendChild(el("td", fmt(a.similarity, 2), "num"));
      tr.appendChild(el("td", (a.similar_in || []).slice(0, 2).join("; ")));
      body.appendChild(tr);
    });
  }

  function layout(extra) {
    var base = {
      margin: { l: 48, r: 12, t: 10, b: 40 },
      font: { family: "system-ui, sans-serif", size: 12 },
      paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
      showlegend: false
    };
    Object.keys(extra).forEach(function (k) { base[k] = extra[k]; });
    return base;
  }

  function dayLine(day) {
    return [{ type: "line", xref: "x", yref: "paper", x0: day, x1: day, y0: 0, y1: 1,
      line: { color: "#1f5fbf", width: 1, dash: "dot" } }];
  }

  function drawStress(stress, day) {
    var byDate = {};
    stress.dates.forEach(function (t, i) { byDate[t] = stress.values[i]; });
    var known = (episodes || []).filter(function (e) { return e.peak <= stress.end; });
    var traces = [
      { x: stress.dates, y: stress.values, type: "scatter", mode: "lines", name: "stress index",
        line: { color: "#1d2330", width: 1 }, hovertemplate: "%{x}: %{y:.2f}<extra></extra>" },
      { x: known.map(function (e) { return e.peak; }),
        y: known.map(function (e) { return byDate[e.peak] == null ? null : byDate[e.peak]; }),
        customdata: known.map(function (e) { return e.peak; }),
        text: known.map(function (e) { return e.name; }),
        type: "scatter", mode: "markers", name: "labelled episodes",
        marker: { size: 10, color: "#c0392b", line: { color: "#fff", width: 1 } },
        hovertemplate: "%{text}<br>peak %{x}: %{y:.2f}<br>click to see this day<extra></extra>" }
    ];
    var plot = $("chart-stress");
    return Plotly.react(plot, traces, layout({
      xaxis: { type: "date" }, yaxis: { title: { text: "stress index" }, rangemode: "tozero" },
      shapes: dayLine(day)
    }), CONFIG).then(function () {
      if (!plot.dataset.clicks) {
        plot.dataset.clicks = "1";
        plot.on("plotly_click", function (ev) {
          var point = ev.points && ev.points[0];
          if (point && point.customdata) { show(point.customdata); }
        });
      }
    });
  }

  function drawSofr(table) {
    return Plotly.react($("chart-sofr"), [{
      x: table.dates, y: table.columns.sofr_iorb_bp, type: "scatter", mode: "lines",
      line: { color: "#1f5fbf", width: 1.5 }, hovertemplate: "%{x}: %{y:+.0f} bp<extra></extra>"
    }], layout({ xaxis: { type: "date" }, yaxis: { title: { text: "bp" }, zeroline: true } }), CONFIG);
  }

  function drawMoves(d) {
    var moves = d.returns.filter(function (m) { return m.move_z != null; }).slice().reverse();
    var first = moves.length ? moves[0] : null;
    $("moves-sub").textContent = "Move of each asset class over " + d.window +
      " business days, in sigma of its own history (colour) and percent (text)" +
      (first ? ", " + first.start + " to " + first.end : "") + ".";
    return Plotly.react($("chart-moves"), [{
      type: "heatmap",
      z: moves.map(function (m) { return [Math.max(-6, Math.min(6, m.move_z))]; }),
      x: ["move over the window"],
      y: moves.map(function (m) { return m.label; }),
      text: moves.map(function (m) { return [fmt(m.move_pct, 1) + "% (" + fmt(m.move_z, 1) + "σ)"]; }),
      texttemplate: "%{text}",
      customdata: moves.map(function (m) { return [m.proxy + ", " + m.start + " to " + m.end]; }),
      hovertemplate: "%{y}: %{text}<br>%{customdata}<extra></extra>",
      colorscale: "RdBu", reversescale: true, zmid: 0, zmin: -6, zmax: 6,
      colorbar: { title: { text: "sigma" }, thickness: 10 }
    }], layout({ margin: { l: 150, r: 12, t: 10, b: 30 }, yaxis: { automargin: true } }), CONFIG);
  }

  function drawTimeline(tl) {
    $("timeline-sub").textContent = tl.start + " to " + tl.end + ", window " + tl.window +
      " business days; " + tl.note + ".";
    var traces = Object.keys(SEVERITY_COLORS).map(function (sev) {
      var days = tl.days.filter(function (x) { return x.severity === sev; });
      return {
        x: days.map(function (x) { return x.date; }),
        y: days.map(function (x) { return words(x.crash_type); }),
        text: days.map(function (x) { return x.epicenters.join(", "); }),
        type: "scatter", mode: "markers", name: sev,
        marker: { color: SEVERITY_COLORS[sev], size: 7, symbol: "square" },
        hovertemplate: "%{x}: %{y} (" + sev + ")<br>%{text}<extra></extra>"
      };
    });
    return Plotly.react($("chart-timeline"), traces, layout({
      showlegend: true, legend: { orientation: "h", y: -0.2 },
      margin: { l: 120, r: 12, t: 10, b: 40 },
      xaxis: { type: "date" },
      yaxis: { type: "category", categoryorder: "array", categoryarray: TYPES.map(words), automargin: true }
    }), CONFIG);
  }

  function renderEpisodes(current) {
    var list = $("episodes");
    if (!list.firstChild) {
      episodes.forEach(function (e) {
        var li = el("li");
        var b = el("button", e.name + " (" + e.peak + ")");
        b.type = "button";
        b.dataset.peak = e.peak;
        b.addEventListener("click", function () { show(e.peak); });
        li.appendChild(b);
        list.appendChild(li);
      });
    }
    Array.prototype.forEach.call(list.querySelectorAll("button"), function (b) {
      if (b.dataset.peak === current) { b.setAttribute("aria-current", "date"); }
      else { b.removeAttribute("aria-current"); }
    });
  }

  function load() {
    var day = dateInput.value || null;
    var win = windowInput.value || "10";
    var mine = ++generation;
    document.documentElement.removeAttribute("data-charts");
    setStatus("Loading the diagnosis for " + (day || "the latest close") + "…", false);
    var episodesReady = episodes ? Promise.resolve(episodes) :
      api("/api/episodes").then(function (list) { episodes = list; return list; });
    return Promise.all([api("/api/diagnosis", { date: day, window: win }), episodesReady])
      .then(function (results) {
        if (mine !== generation) { return null; }
        var d = results[0];
        renderVerdict(d);
        renderNumbers(d);
        renderAnalogs(d);
        renderEpisodes(d.date);
        var params = { end: d.date, window: win };
        return Promise.all([
          drawMoves(d),
          api("/api/stress", params).then(function (s) { return drawStress(s, d.date); }),
          api("/api/indicators", { end: d.date, window: win, columns: "sofr_iorb_bp" }).then(drawSofr),
          api("/api/timeline", params).then(drawTimeline)
        ]).then(function () {
          if (mine !== generation) { return; }
          setStatus((d.note ? d.note + ". " : "") + "Diagnosis of " + d.date + " as known on " +
            d.as_of + ", window " + d.window + " business days.", false);
          document.documentElement.setAttribute("data-date", d.date);
          document.documentElement.setAttribute("data-charts", "drawn");
        });
      })
      .catch(function (err) {
        if (mine !== generation) { return; }
        setStatus("Could not show this date: " + err.message, true);
        document.documentElement.setAttribute("data-charts", "failed");
      });
  }

  function show(day) {
    dateInput.value = day;
    var url = new URL(window.location.href);
    url.searchParams.set("date", day);
    window.history.replaceState(null, "", url.pathname + url.search);
    load();
    $("verdict").focus({ preventScroll: false });
  }

  document.getElementById("pick").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!dateInput.checkValidity() || !windowInput.checkValidity()) {
      setStatus("Pick a date between " + dateInput.min + " and " + dateInput.max +
        " and a window of 2 to 250 business days.", true);
      return;
    }
    show(dateInput.value);
  });
  document.getElementById("latest").addEventListener("click", function () {
    show(dateInput.dataset.latest);
  });

  if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) {
    $("episodes-box").open = false; // forty buttons would fill a phone's screen
  }
  var initial = new URLSearchParams(window.location.search);
  if (initial.get("date")) { dateInput.value = initial.get("date"); }
  if (initial.get("window")) { windowInput.value = initial.get("window"); }
  if (typeof window.Plotly === "undefined") {
    setStatus("The chart library did not load; the numbers below are complete without it.", true);
  }
  load();
})();
