/* greenmfg page behaviour, layered on server-rendered HTML (every page works without it):
   - charts: every [data-echarts] element becomes an ECharts chart (library loaded on demand),
     in the greenmfg theme, with axis names and legends kept inside (fitOption), resized with its
     container and redrawn at the paper's width for printing;
   - phones: the menu button opens and closes the sections of the top bar;
   - pickers: an enterprise picker's search box narrows its options by name;
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
      grid: { left: 12, right: 20, top: 60, bottom: 8, outerBoundsMode: "same", outerBoundsContain: "all" },
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

  function asList(value) {
    if (value === undefined || value === null) return [];
    return Array.isArray(value) ? value : [value];
  }

  /* What every chart's option gets, set once here rather than in each page's option:
     - grids keep axis labels AND axis names inside the chart (ECharts 6's containLabel keeps
       only the labels, so a long axis name was cut at the edge): outerBoundsMode "same" with
       outerBoundsContain "all";
     - a named axis keeps its name clear of its labels (nameGap);
     - a legend without a type scrolls on one line instead of wrapping over the plot;
     - on a narrow chart (a phone) long category labels are cut to the room each one has. */
  function fitOption(option, width) {
    var narrow = width < 560;
    var cartesian = option.xAxis !== undefined || option.yAxis !== undefined;
    if (cartesian && option.grid === undefined) option.grid = {};
    asList(option.grid).forEach(function (grid) {
      delete grid.containLabel;
      if (grid.outerBoundsMode === undefined) grid.outerBoundsMode = "same";
      if (grid.outerBoundsContain === undefined) grid.outerBoundsContain = "all";
    });
    ["xAxis", "yAxis"].forEach(function (key) {
      asList(option[key]).forEach(function (axis) {
        if (axis.name && axis.nameGap === undefined && axis.nameLocation === "middle") {
          axis.nameGap = key === "yAxis" ? 48 : 30;
        }
        if (narrow && axis.type === "category" && key === "xAxis") {
          // long category names on a phone: cut to the room each one has (the tooltip names them)
          var label = axis.axisLabel = axis.axisLabel || {};
          var count = Math.max(1, asList(axis.data).length);
          if (label.width === undefined) {
            label.width = Math.max(56, Math.floor(width * 0.75 / count));
            label.overflow = "truncate";
          }
        }
      });
    });
    asList(option.legend).forEach(function (legend) {
      if (legend.type === undefined) legend.type = "scroll";
      if (narrow && legend.orient !== "vertical" && legend.left === undefined) {
        delete legend.right;
        legend.left = 0;
      }
    });
    return option;
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

  /* Custom series draw through a named renderer (an option is JSON: it cannot hold a function):
     "macc" draws a marginal abatement cost curve, each bar from value[0] to value[1] along x
     (abatement) and from 0 to value[2] along y (cost per tonne). */
  var RENDERERS = {
    macc: function (params, api) {
      var start = api.coord([api.value(0), 0]);
      var end = api.coord([api.value(1), api.value(2)]);
      var rect = clipToGrid({ x: start[0], y: Math.min(start[1], end[1]),
        width: Math.max(1, end[0] - start[0]), height: Math.max(1, Math.abs(end[1] - start[1])) }, params);
      return rect && { type: "rect", shape: rect, style: { fill: api.visual("color"), stroke: "#ffffff", lineWidth: 1 } };
    }
  };

  function clipToGrid(rect, params) {
    return window.echarts.graphic.clipRectByRect(rect, {
      x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height });
  }

  function useRenderers(option) {
    asList(option.series).forEach(function (series) {
      if (series.type === "custom" && typeof series.renderItem === "string") {
        series.renderItem = RENDERERS[series.renderItem];
      }
    });
    return option;
  }

  function draw(echarts, element, option) {
    option = useRenderers(option);
    var chart = echarts.init(element, "greenmfg", { renderer: "canvas", locale: lang.indexOf("zh") === 0 ? "ZH" : "EN" });
    chart.setOption(fitOption(option, element.clientWidth));
    element.setAttribute("data-echarts-ready", "");
    if (window.ResizeObserver) {
      // not for a chart disposed or a box emptied (a page being left, a swapped fragment): ECharts
      // cannot lay a chart out in no room
      new ResizeObserver(function () {
        if (!chart.isDisposed() && element.isConnected && element.clientWidth > 0 && element.clientHeight > 0) {
          chart.resize();
        }
      }).observe(element);
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

  /* -------------------------------------------------------------- pickers */

  // an enterprise picker's search box hides the options whose name does not contain the text
  // and selects the first that does, so Enter (or the form's button) opens it
  function initPickers(scope) {
    scope.querySelectorAll("[data-picker-search]:not([data-picker-ready])").forEach(function (input) {
      input.setAttribute("data-picker-ready", "");
      var select = document.getElementById(input.getAttribute("data-picker-search"));
      if (!select) return;
      input.addEventListener("input", function () {
        var query = input.value.trim().toLocaleLowerCase(lang);
        var first = null;
        Array.prototype.forEach.call(select.options, function (option) {
          if (!option.value) return;
          var match = !query || option.textContent.toLocaleLowerCase(lang).indexOf(query) !== -1;
          option.hidden = !match;
          if (match && first === null) first = option;
        });
        var current = select.options[select.selectedIndex];
        if (first && (!current || current.hidden || !current.value)) select.value = first.value;
      });
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
    initPickers(scope);
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

  /* ---------------------------------------------------- menu and printing */

  // on phones the menu button opens and closes the sections (CSS hides them behind it)
  document.querySelectorAll("[data-nav-toggle]").forEach(function (button) {
    var nav = document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    var setOpen = function (open) {
      nav.classList.toggle("is-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    };
    button.addEventListener("click", function () { setOpen(!nav.classList.contains("is-open")); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) { setOpen(false); button.focus(); }
    });
  });

  // charts are drawn for the screen: redraw them at the paper's width to print, and back after
  function resizeCharts() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-echarts-ready]").forEach(function (element) {
      var chart = window.echarts.getInstanceByDom(element);
      if (chart) chart.resize();
    });
  }
  window.addEventListener("beforeprint", resizeCharts);
  window.addEventListener("afterprint", resizeCharts);

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
