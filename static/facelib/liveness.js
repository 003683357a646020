/* The liveness page's traces, drawn with uPlot (static/vendor/uplot) from the JSON the page carries. */
(function () {
  "use strict";
  var data = document.getElementById("liveness-trace");
  var target = document.getElementById("liveness-plot");
  if (!data || !target || typeof uPlot === "undefined") return;
  var plot = JSON.parse(data.textContent);
  var present = plot.trace.filter(function (s) { return s.present; });
  var t = present.map(function (s) { return s.t / 1000; });
  function column(name) { return present.map(function (s) { return s[name]; }); }
  var marks = plot.actions.filter(function (a) { return a.peak_t !== null; }).map(function (a) { return a.peak_t / 1000; });
  var best = plot.best_t === null ? null : plot.best_t / 1000;
  function lines(u) {
    var ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = "#888";
    marks.concat(best === null ? [] : [best]).forEach(function (x, i) {
      var px = u.valToPos(x, "x", true);
      ctx.setLineDash(i < marks.length ? [6, 4] : [2, 3]);
      ctx.beginPath(); ctx.moveTo(px, u.bbox.top); ctx.lineTo(px, u.bbox.top + u.bbox.height); ctx.stroke();
    });
    ctx.restore();
  }
  var width = Math.max(320, Math.min(900, target.clientWidth || 900));
  function chart(title, series, values) {
    var holder = document.createElement("div");
    target.appendChild(holder);
    return new uPlot({
      title: title, width: width, height: 180,
      series: [{ label: "s" }].concat(series),
      axes: [{ label: "seconds" }, {}],
      hooks: { draw: [lines] }
    }, [t].concat(values), holder);
  }
  chart("Head pose (degrees)", [
    { label: "yaw", stroke: "#d9480f" }, { label: "pitch", stroke: "#1971c2" }
  ], [column("yaw"), column("pitch")]);
  chart("Eyes and mouth", [
    { label: "eye openness", stroke: "#2f9e44" }, { label: "mouth openness", stroke: "#ae3ec9" },
    { label: "eyeBlink", stroke: "#868e96" }
  ], [column("ear"), column("mar"), column("blink")]);
})();
