/* Installed before any page script runs (CDP Page.addScriptToEvaluateOnNewDocument): records
   when the map is really drawn, on the page's own clock (performance.now(), 0 = navigation).

   "Drawn" is an expectation that Python sets (window.__bench.expect, or __EXPECT__ at
   navigation): plotly_afterplot has fired with trace data present (after `since`), and MapLibre
   has rendered the expected features. Plotly keeps only a centroid `ct` on the features it hands
   to MapLibre; g.calcdata maps each centroid back to the location code. Checked every 25 ms
   (a 25 ms pause after each check ends, so the probe never queues up on a busy page); the
   expensive queryRenderedFeatures runs only once MapLibre reports everything loaded. The time
   recorded is when the successful check began: the query only reads what is already drawn, and
   over 100,000 features it takes a second that is the probe's, not the page's. */
(function () {
  if (window.top !== window) return;
  const B = (window.__bench = {
    expect: __EXPECT__,
    reached: [],
    afterplot: [],
    clicks: [],
    checks: 0,
    queries: 0,
    queryMs: 0,
  });
  document.addEventListener('click', () => B.clicks.push(performance.now()), true);

  const hooked = new WeakSet();
  function filled(v) {
    return v && (v.length || v.bdata); // a list, or plotly.py's base64 typed-array spec
  }
  function hasData(gd) {
    // A figure drawn from vector tiles only (B4) has its data in a layout layer.
    const layers = (gd.layout && gd.layout.map && gd.layout.map.layers) || [];
    return (
      (Array.isArray(gd.data) &&
        gd.data.some((t) => filled(t.locations) || filled(t.lon))) ||
      layers.some((l) => l.sourcetype === 'vector')
    );
  }
  function hook(gd) {
    if (!gd || hooked.has(gd) || typeof gd.on !== 'function') return;
    hooked.add(gd);
    // An afterplot without trace data (the empty first plot) does not count.
    gd.on('plotly_afterplot', () => {
      if (hasData(gd)) B.afterplot.push(performance.now());
    });
  }

  // Hook a graph the moment plotly first draws into it, so no early afterplot is missed.
  let plotly;
  Object.defineProperty(window, 'Plotly', {
    configurable: true,
    enumerable: true,
    get() {
      return plotly;
    },
    set(value) {
      plotly = value;
      if (B.plotlyAt === undefined) B.plotlyAt = performance.now();
      for (const name of ['newPlot', 'react']) {
        const original = value && value[name];
        if (typeof original !== 'function' || original.__bench) continue;
        const wrapped = function (gd, ...rest) {
          const figure = rest[0] && rest[0].data ? rest[0] : { data: rest[0] };
          if (B.figureAt === undefined && Array.isArray(figure.data) && figure.data.length) {
            B.figureAt = performance.now(); // the first figure with traces reaches plotly
          }
          const out = original.call(this, gd, ...rest);
          try {
            hook(typeof gd === 'string' ? document.getElementById(gd) : gd);
          } catch (e) {
            /* the poll below hooks it instead */
          }
          return out;
        };
        wrapped.__bench = true;
        try {
          value[name] = wrapped;
        } catch (e) {
          /* read-only export: rely on the poll */
        }
      }
    },
  });

  function levelOf(code) {
    if (code.slice(4) === '00000000') return 'city';
    if (code.slice(6) === '000000') return 'county';
    if (code.slice(9) === '000') return 'town';
    return 'village';
  }

  function layersOfType(m, type) {
    const order = m.getLayersOrder ? m.getLayersOrder() : m.style._order;
    return order.filter((id) => {
      const layer = m.getLayer(id);
      return layer && layer.type === type;
    });
  }

  // `sources: 'drawn'`: only the sources of the fill and line layers must be loaded, not
  // every source of the style: basemap names (symbol layers) wait for their glyphs, which
  // a page without names never asks for. Drawn then means the units are on screen; their
  // names may still be coming.
  function drawnSourcesLoaded(m) {
    if (!m.style || !m.style._loaded) return false; // isStyleLoaded() waits for every source
    const ids = layersOfType(m, 'fill').concat(layersOfType(m, 'line'));
    return ids.every((id) => m.isSourceLoaded(m.getLayer(id).source));
  }

  function fillCodes(gd, m) {
    // Units with the same polygon (a town of one village) share a centroid: keep them all.
    const byCentroid = {};
    for (const trace of gd.calcdata || []) {
      for (const pt of trace) {
        if (!pt.ct || !pt.loc) continue;
        const key = pt.ct.join(',');
        (byCentroid[key] = byCentroid[key] || []).push(pt.loc);
      }
    }
    const codes = new Set();
    const layers = layersOfType(m, 'fill');
    if (!layers.length) return codes;
    for (const f of m.queryRenderedFeatures({ layers })) {
      let ct = f.properties && f.properties.ct;
      if (!ct) continue;
      if (!Array.isArray(ct)) ct = JSON.parse(ct);
      for (const code of byCentroid[ct.join(',')] || []) codes.add(code);
    }
    return codes;
  }

  // Outline layers are plotly layout layers ("plotly-layout-layer-<uid>-map-<i>"): the i-th
  // entry of layout.map.layers says which URL feeds it, or (a source decoded in the page,
  // a blob: URL) its name.
  function layerSource(gd, id) {
    const match = /-(\d+)$/.exec(id);
    const layers = (gd._fullLayout.map && gd._fullLayout.map.layers) || [];
    const layer = match && id.indexOf('plotly-layout-layer-') === 0 ? layers[+match[1]] : null;
    if (!layer) return '';
    const url = typeof layer.source === 'string' && !layer.source.startsWith('blob:');
    return url ? layer.source : layer.name || '';
  }

  function lineCount(gd, m, exp) {
    const layers = layersOfType(m, 'line').filter(
      (id) => !exp.source || layerSource(gd, id).indexOf(exp.source) >= 0
    );
    if (!layers.length) return 0;
    let n = 0;
    for (const f of m.queryRenderedFeatures({ layers })) {
      if (!exp.property || (f.properties && f.properties[exp.property] === exp.value)) n += 1;
    }
    return n;
  }

  // Rendered features of every layer of one MapLibre type ('circle': scattermap markers);
  // with `property`, distinct values of it ('$id': the feature id, which in our vector tiles is
  // the unit code; a polygon cut by tile edges renders as several pieces), only those starting
  // with `prefix` when given.
  function typeCount(m, exp) {
    const layers = layersOfType(m, exp.type);
    if (!layers.length) return 0;
    const found = m.queryRenderedFeatures({ layers });
    if (!exp.property) return found.length;
    const seen = new Set();
    for (const f of found) {
      // '$id' names the feature id (our vector tiles carry the unit code there).
      const value = exp.property === '$id' ? f.id : f.properties && f.properties[exp.property];
      if (value !== undefined && (!exp.prefix || String(value).indexOf(exp.prefix) === 0)) {
        seen.add(value);
      }
    }
    return seen.size;
  }

  function satisfied(exp) {
    const gd = document.querySelector(exp.selector || '.js-plotly-plot');
    hook(gd);
    if (!gd || !gd._fullLayout || !gd._fullLayout.map || !gd._fullLayout.map._subplot) return null;
    const since = exp.since === 'click' ? B.clicks[B.clicks.length - 1] || 0 : exp.since || 0;
    if (!B.afterplot.some((t) => t >= since)) return null;
    const m = gd._fullLayout.map._subplot.map;
    if (!m || !(exp.sources === 'drawn' ? drawnSourcesLoaded(m) : m.loaded())) return null;
    const started = performance.now();
    B.queries += 1;
    try {
      const canvas = m.getCanvas();
      const detail = {
        t: started,
        t0: since,
        canvas: [canvas.clientWidth, canvas.clientHeight],
      };
      if (exp.fill) {
        const codes = fillCodes(gd, m);
        detail.fill = codes.size;
        if (exp.fill.codes) {
          const want = exp.fill.codes;
          if (!want.every((c) => codes.has(c))) return null;
          if (exp.fill.exact && codes.size !== want.length) return null;
        }
        if (exp.fill.min && codes.size < exp.fill.min) return null;
        if (exp.fill.min_per_level) {
          const perLevel = {};
          for (const c of codes) perLevel[levelOf(c)] = (perLevel[levelOf(c)] || 0) + 1;
          detail.per_level = perLevel;
          for (const [level, n] of Object.entries(exp.fill.min_per_level)) {
            if ((perLevel[level] || 0) < n) return null;
          }
        }
      }
      if (exp.rendered) {
        const n = typeCount(m, exp.rendered);
        detail.rendered = n;
        if (n < exp.rendered.min) return null;
      }
      if (exp.lines) {
        const n = lineCount(gd, m, exp.lines);
        detail.lines = n;
        if (n < exp.lines.min) return null;
      }
      return detail;
    } finally {
      B.queryMs += performance.now() - started;
      B.lastQueryMs = performance.now() - started;
    }
  }

  function poll() {
    const exp = B.expect;
    if (exp) {
      B.checks += 1;
      let detail = null;
      try {
        detail = satisfied(exp);
      } catch (e) {
        B.error = String(e);
      }
      if (detail && B.expect === exp) {
        B.reached.push(
          Object.assign({ name: exp.name, queries: B.queries }, detail)
        );
        B.expect = null;
      }
    } else {
      hook(document.querySelector('.js-plotly-plot'));
    }
    setTimeout(poll, 25);
  }
  setTimeout(poll, 0);
})();
