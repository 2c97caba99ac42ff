/* greenmfg page behaviour, layered on server-rendered HTML (every page works without it):
   - charts: every [data-echarts] element becomes an ECharts chart (library loaded on demand),
     in the greenmfg theme, resized with its container;
   - tables: [data-table] blocks get click-to-sort headers and a live text filter;
   - htmx: requests carry the CSRF token; new content is initialised like the page;
   - live pages: <meta name="greenmfg-live" content="SECONDS"> reloads the page every SECONDS while
     the tab is visible, unless the user has started filling in a form on it (typed, chose a
     file or has a field focused): what is typed is never thrown away. */
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  var lang = root.getAttribute("lang") || "zh-CN";

  /* ---------------------------------------------------------------- theme */

  function cssVar(name, fallback) {
    var value = getComputedStyle(root).getPropertyValue(name).trim();
    return value || fallback;
  }

  function theme() {
    var text = cssVar("--text-2", "#41504c");
    var muted = cssVar("--muted", "#6b7a76");
    var border = cssVar("--border", "#e1e8e5");
    var font = cssVar("--font", "sans-serif");
    var axis = {
      axisLine: { show: true, lineStyle: { color: cssVar("--border-strong", "#cbd6d2") } },
      axisTick: { show: false },
      axisLabel: { color: muted, fontSize: 12 },
      splitLine: { show: true, lineStyle: { color: border, type: "dashed" } },
      nameTextStyle: { color: muted, fontSize: 12 }
    };
    return {
      color: [
        cssVar("--brand-500", "#14937f"), cssVar("--leaf", "#34c47c"), "#3b8fd1", "#f0a43a",
        "#7c6fd6", "#e2675c", "#5fb8b0", "#9aa8a4"
      ],
      backgroundColor: "transparent",
      textStyle: { fontFamily: font, color: text },
      title: { textStyle: { color: text, fontWeight: 600, fontSize: 14 }, subtextStyle: { color: muted } },
      legend: { textStyle: { color: text }, icon: "roundRect", itemWidth: 12, itemHeight: 8, itemGap: 16 },
      grid: { left: 12, right: 20, top: 60, bottom: 8, containLabel: true },
      categoryAxis: Object.assign({}, axis, { splitLine: { show: false } }),
      valueAxis: Object.assign({}, axis, { axisLine: { show: false } }),
      timeAxis: axis,
      logAxis: axis,
      tooltip: {
        backgroundColor: "rgba(10, 58, 52, .94)",
        borderWidth: 0,
        padding: [8, 12],
        textStyle: { color: "#eef8f5", fontFamily: font, fontSize: 12 },
        axisPointer: { lineStyle: { color: cssVar("--brand-400", "#34b39a") }, shadowStyle: { color: "rgba(20, 147, 127, .06)" } }
      },
      bar: { barMaxWidth: 28, itemStyle: { borderRadius: [4, 4, 0, 0] } },
      line: { symbol: "circle", symbolSize: 6, smooth: false, lineStyle: { width: 2.5 } }
    };
  }

  /* --------------------------------------------------------------- charts */

  var echartsLoading = null;

  function loadEcharts() {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (!echartsLoading) {
      echartsLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = document.body.getAttribute("data-echarts-src") || "/static/vendor/echarts.min.js";
        script.onload = function () {
          window.echarts.registerTheme("greenmfg", theme());
          resolve(window.echarts);
        };
        script.onerror = function () { reject(new Error("echarts failed to load")); };
        document.head.appendChild(script);
      });
    }
    return echartsLoading;
  }

  function initCharts(scope) {
    var elements = scope.querySelectorAll("[data-echarts]:not([data-echarts-ready])");
    if (!elements.length) return;
    loadEcharts().then(function (echarts) {
      elements.forEach(function (element) {
        var option;
        try {
          option = JSON.parse(element.getAttribute("data-echarts"));
        } catch (error) {
          element.setAttribute("data-echarts-error", String(error));
          return;
        }
        // a map chart names its GeoJSON (same origin): registered under data-echarts-map first
        var geo = element.getAttribute("data-echarts-geo");
        if (geo) {
          fetch(geo, { credentials: "same-origin" }).then(function (response) {
            if (!response.ok) throw new Error("map " + response.status);
            return response.json();
          }).then(function (json) {
            echarts.registerMap(element.getAttribute("data-echarts-map"), json);
            draw(echarts, element, option);
          }).catch(function (error) { element.setAttribute("data-echarts-error", String(error)); });
          return;
        }
        draw(echarts, element, option);
      });
    }).catch(function (error) {
      elements.forEach(function (element) { element.setAttribute("data-echarts-error", String(error)); });
    });
  }

  function draw(echarts, element, option) {
    var chart = echarts.init(element, "greenmfg", { renderer: "canvas", locale: lang.indexOf("zh") === 0 ? "ZH" : "EN" });
    chart.setOption(option);
    element.setAttribute("data-echarts-ready", "");
    if (window.ResizeObserver) {
      new ResizeObserver(function () { chart.resize(); }).observe(element);
    } else {
      window.addEventListener("resize", function () { chart.resize(); });
    }
  }

  function disposeCharts(scope) {
    if (!window.echarts || !scope.querySelectorAll) return;
    scope.querySelectorAll("[data-echarts-ready]").forEach(function (element) {
      var chart = window.echarts.getInstanceByDom(element);
      if (chart) chart.dispose();
    });
  }

  /* --------------------------------------------------------------- tables */

  var collator = new Intl.Collator(lang, { numeric: true, sensitivity: "base" });
  var SORT_ICON = '<svg class="icon" width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="m8 9.5 4-4 4 4M8 14.5l4 4 4-4"/></svg>';

  function cellKey(cell, numeric) {
    if (!cell) return null;
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (!numeric) return raw;
    if (raw === "" || raw === "—") return null;
    var number = parseFloat(raw.replace(/[\s,\u00a0\u202f]/g, "").replace(/[^0-9eE+\-.]/g, ""));
    return isNaN(number) ? null : number;
  }

  function sortTable(table, th, direction) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute("data-sort-type") === "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var sign = direction === "ascending" ? 1 : -1;
    rows.sort(function (a, b) {
      var x = cellKey(a.cells[index], numeric);
      var y = cellKey(b.cells[index], numeric);
      if (x === null && y === null) return 0;
      if (x === null) return 1;  // missing values last, whichever the direction
      if (y === null) return -1;
      return sign * (numeric ? x - y : collator.compare(x, y));
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", direction);
  }

  function enhanceTable(block) {
    var table = block.querySelector("table");
    if (!table || !table.tBodies.length) return;
    table.querySelectorAll("th[data-sort-type]").forEach(function (th) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "th-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      // numeric columns are right-aligned: the arrow goes first so the labels line up with the figures
      var numeric = th.getAttribute("data-sort-type") === "number";
      button.insertAdjacentHTML(numeric ? "afterbegin" : "beforeend", SORT_ICON);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var next = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        sortTable(table, th, next);
      });
    });

    var input = block.querySelector("[data-table-filter]");
    if (!input) return;
    var count = block.querySelector("[data-table-count]");
    var noMatch = block.querySelector("[data-table-nomatch]");
    var total = table.tBodies[0].rows.length;
    var allText = count ? count.textContent : "";
    var format = count ? count.getAttribute("data-filtered-format") : null;
    input.addEventListener("input", function () {
      var query = input.value.trim().toLocaleLowerCase(lang);
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var match = !query || row.textContent.toLocaleLowerCase(lang).indexOf(query) !== -1;
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (count) {
        count.textContent = !query || !format ? allText
          : format.replace("{shown}", shown.toLocaleString(lang)).replace("{total}", total.toLocaleString(lang));
      }
      if (noMatch) noMatch.hidden = shown !== 0;
    });
    // Enter in the filter must not submit a surrounding form
    input.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });
  }

  function initTables(scope) {
    scope.querySelectorAll("[data-table]:not([data-table-ready])").forEach(function (block) {
      block.setAttribute("data-table-ready", "");
      enhanceTable(block);
    });
  }

  /* ------------------------------------------------------------------ htmx */

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx 4 names the event htmx:config:request (detail.ctx.request.headers); htmx 2 htmx:configRequest
  document.addEventListener("htmx:config:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (ctx && ctx.request && ctx.request.headers) ctx.request.headers["X-CSRF-Token"] = csrfToken();
  });
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail && event.detail.headers) event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  function init(scope) {
    initCharts(scope);
    initTables(scope);
  }

  document.addEventListener("htmx:after:process", function (event) { init(event.target || document); });
  document.addEventListener("htmx:load", function (event) { init(event.target || document); });
  document.addEventListener("htmx:before:cleanup", function (event) { disposeCharts(event.target); });

  /* ------------------------------------------------------------ live pages */

  var live = document.querySelector('meta[name="greenmfg-live"]');
  if (live) {
    var seconds = Math.max(5, parseInt(live.getAttribute("content"), 10) || 30);
    var editing = false;
    var markEditing = function (event) {
      if (event.target && event.target.closest && event.target.closest("form")) editing = true;
    };
    document.addEventListener("input", markEditing);
    document.addEventListener("change", markEditing);
    window.setInterval(function () {
      var focused = document.activeElement;
      var inForm = focused && focused.closest && focused.closest("form") && focused.tagName !== "BUTTON";
      if (!editing && !inForm && document.visibilityState === "visible") window.location.reload();
    }, seconds * 1000);
  }

  // close the user menu when clicking elsewhere
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }

  window.greenmfg = { init: init, theme: theme };
})();
