/* Công khai TTHC: client-side filters of the procedure list. Plain script, no dependency, no request. */
(function () {
  "use strict";

  // Same folding as generator/vietnamese.py `fold`: no marks, đ→d, lower case, single spaces.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }

  function number(n) { return n.toLocaleString("vi-VN"); }

  function setup() {
    var root = document.querySelector("[data-ck-listing]");
    if (!root || root.getAttribute("data-ck-ready")) return;
    root.setAttribute("data-ck-ready", "1");
    var form = root.querySelector("form");
    var items = Array.prototype.slice.call(root.querySelectorAll("[data-ck-items] > li"));
    var keys = items.map(function (li) { return fold(li.textContent); });
    var count = root.querySelector("[data-ck-count]");
    var empty = root.querySelector("[data-ck-empty]");
    var filters = ["level", "field", "agency", "channel", "online"];

    // A filtered view is a URL that can be shared: ?q=...&level=...
    var params = new URLSearchParams(window.location.search);
    ["q"].concat(filters).forEach(function (name) {
      if (params.has(name) && form.elements[name]) form.elements[name].value = params.get(name);
    });
    // The extra filters start folded on phones; open them where there is room or where one is already set.
    var more = root.querySelector("[data-ck-more]");
    if (more && (window.matchMedia("(min-width: 60em)").matches ||
                 filters.some(function (name) { return params.get(name); }))) more.open = true;

    function apply() {
      var words = fold(form.elements.q.value).split(" ").filter(Boolean);
      var chosen = {};
      filters.forEach(function (name) { chosen[name] = form.elements[name].value; });
      var shown = 0;
      for (var i = 0; i < items.length; i++) {
        var li = items[i];
        var ok = filters.every(function (name) {
          return !chosen[name] || (li.getAttribute("data-" + name) || "").split(" ").indexOf(chosen[name]) >= 0;
        }) && words.every(function (w) { return keys[i].indexOf(w) >= 0; });
        li.hidden = !ok;
        if (ok) shown++;
      }
      count.textContent = shown === items.length ? number(items.length) + " thủ tục"
        : "Hiển thị " + number(shown) + " trên " + number(items.length) + " thủ tục";
      empty.hidden = shown > 0;
      var query = new URLSearchParams();
      if (form.elements.q.value) query.set("q", form.elements.q.value);
      filters.forEach(function (name) { if (chosen[name]) query.set(name, chosen[name]); });
      var search = query.toString();
      window.history.replaceState(null, "", search ? "?" + search : window.location.pathname);
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    apply();
  }

  // Charts: Plotly is loaded only on pages that have a chart, once, from the site itself.
  var plotly = null;
  function loadPlotly(src) {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!plotly) {
      plotly = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { plotly = null; reject(new Error("plotly")); };
        document.head.appendChild(script);
      });
    }
    return plotly;
  }

  function charts() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-ck-chart]"));
    if (!boxes.length) return;
    loadPlotly(boxes[0].getAttribute("data-ck-plotly")).then(function (Plotly) {
      boxes.forEach(function (box) {
        if (box.getAttribute("data-ck-drawn")) return;
        var spec = JSON.parse(box.getAttribute("data-ck-figure"));
        box.setAttribute("data-ck-drawn", "1");
        spec.layout.autosize = true;
        spec.layout.width = box.clientWidth || undefined;  // fit a phone's width from the first draw
        Plotly.newPlot(box, spec.data, spec.layout, {responsive: true, displaylogo: false,
          modeBarButtonsToRemove: ["select2d", "lasso2d"]});
      });
    }, function () {
      boxes.forEach(function (box) {
        box.textContent = "Không tải được thư viện biểu đồ; số liệu có trong bảng dưới.";
      });
    });
  }

  function page() { setup(); charts(); }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(page);  // Material: runs again after each instant-navigation page load
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", page);
  } else {
    page();
  }
})();
