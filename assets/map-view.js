/* The map page in the browser (registered as dash_clientside.onemap_map): which unit a click
   asks for, module layers on and off, the search's highlight, the legend, and the URL.
   Everything here changes only how the figure the server sent is shown; the server checks
   every code it is sent against the viewer's scope. */
(function () {
  const UNIT_MARK = 'unit:'; // customdata of a marker standing for a unit (modules/flood/layers.py)
  const LEVEL_PREFIX = [[4, '00000000'], [6, '000000'], [9, '000']];

  /* The part of a 12-digit code every code inside that unit starts with. */
  function prefixOf(code) {
    for (const [length, zeros] of LEVEL_PREFIX) {
      if (code.slice(length) === zeros) return code.slice(0, length);
    }
    return code;
  }

  function isModuleTrace(trace) {
    return Boolean(trace && trace.meta && trace.meta.layer);
  }

  function isHighlight(trace) {
    return Boolean(trace && trace.meta && trace.meta.highlight);
  }

  /* A ring around a key point picked in the search, with its name on hover. */
  function highlightTraces(spot) {
    const base = {type: 'scattermap', lon: [spot.lon], lat: [spot.lat], mode: 'markers',
      hoverinfo: 'skip', showlegend: false, meta: {highlight: true}};
    return [
      Object.assign({}, base, {marker: {size: 30, color: '#e91e63', opacity: 0.3}}),
      Object.assign({}, base, {marker: {size: 14, color: '#e91e63', opacity: 0.9},
        text: [spot.name], hoverinfo: 'text'}),
    ];
  }

  /* The figure with layers switched off hidden, the units' colour bar left to the legend,
     and the highlight drawn while its village is in view. */
  function decorate(figure, off, highlight) {
    const hidden = new Set(off || []);
    const data = (figure.data || []).filter((t) => !isHighlight(t)).map((trace, index) => {
      if (isModuleTrace(trace)) {
        return Object.assign({}, trace, {visible: !hidden.has(trace.meta.layer)});
      }
      if (index === 0 && trace.type === 'choroplethmap' && trace.showscale) {
        return Object.assign({}, trace, {showscale: false});
      }
      return trace;
    });
    const meta = (figure.layout && figure.layout.meta) || {};
    const focus = typeof meta.focus === 'string' ? meta.focus : null;
    if (highlight && typeof highlight.village === 'string' && focus !== null &&
        (focus === '' || highlight.village.startsWith(prefixOf(focus)))) {
      data.push(...highlightTraces(highlight));
    }
    return Object.assign({}, figure, {data: data});
  }

  /* Layers in their packed form (app/topo.py): the figure names each layer's GeoJSON URL;
     the page fetches the same features as TopoJSON on a grid (a fraction of the bytes) and
     hands plotly and MapLibre the GeoJSON decoded here. Any failure leaves the URL, which
     they then fetch as before. */
  const LAYERS = new Map(); // GeoJSON URL -> Promise of its FeatureCollection

  function packedUrl(url) {
    if (typeof url !== 'string' || !url.startsWith('/api/v1/layers/')) return null;
    const at = url.indexOf('.geojson');
    return at < 0 ? null : url.slice(0, at) + '.topo' + url.slice(at + '.geojson'.length);
  }

  /* count arcs of zigzag varints: a point count, then each point as a step from the last. */
  function readArcs(bytes, offset, count) {
    let pos = offset;
    function next() {
      let value = 0;
      let scale = 1;
      let byte;
      do {
        byte = bytes[pos++];
        value += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte & 0x80);
      return value % 2 ? -(value + 1) / 2 : value / 2;
    }
    const arcs = new Array(count);
    let x = 0;
    let y = 0;
    for (let i = 0; i < count; i++) {
      const arc = new Array(next());
      for (let k = 0; k < arc.length; k++) {
        x += next();
        y += next();
        arc[k] = [x, y];
      }
      arcs[i] = arc;
    }
    return arcs;
  }

  function decodeTopo(buffer) {
    const bytes = new Uint8Array(buffer);
    const length = new DataView(buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length)));
    const [sx, sy] = header.transform.scale;
    const [tx, ty] = header.transform.translate;
    const arcs = readArcs(bytes, 4 + length, header.arcs).map((arc) =>
      arc.map(([x, y]) => [tx + x * sx, ty + y * sy]));
    const line = (refs) => {
      const points = [];
      for (const ref of refs) {
        const arc = ref < 0 ? arcs[~ref].slice().reverse() : arcs[ref];
        for (let k = points.length ? 1 : 0; k < arc.length; k++) points.push(arc[k]);
      }
      return points;
    };
    const geometry = (g) => {
      if (g.type === 'Polygon') return {type: g.type, coordinates: g.arcs.map(line)};
      if (g.type === 'MultiPolygon') {
        return {type: g.type, coordinates: g.arcs.map((p) => p.map(line))};
      }
      if (g.type === 'LineString') return {type: g.type, coordinates: line(g.arcs)};
      if (g.type === 'MultiLineString') {
        const parts = Array.isArray(g.arcs) ? g.arcs
          : Array.from({length: g.arcs.count}, (_, k) => [g.arcs.from + k]);
        return {type: g.type, coordinates: parts.map(line)};
      }
      return null;
    };
    const object = Object.values(header.objects)[0];
    const features = object.geometries.filter((g) => g.type).map((g) => {
      const feature = {type: 'Feature', properties: g.properties || {}, geometry: geometry(g)};
      if (g.id !== undefined) feature.id = g.id;
      return feature;
    });
    return {type: 'FeatureCollection', features: features};
  }

  /* The FeatureCollection of a layer URL, fetched packed once per page. */
  function loadLayer(url) {
    const packed = packedUrl(url);
    if (!packed || !window.fetch || !window.TextDecoder) return null;
    if (!LAYERS.has(url)) {
      LAYERS.set(url, fetch(packed, {credentials: 'same-origin'})
        .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(r.status))))
        .then(decodeTopo)
        .catch((error) => { LAYERS.delete(url); throw error; }));
    }
    return LAYERS.get(url);
  }

  /* A decoded outline layer's GeoJSON as a blob: URL, made once per layer URL. dcc.Graph
     deep-copies every figure it is handed (ramda's clone, which looks each object up in a
     table of those seen): an outline source held as an object cost ~200 ms of a drill-down
     step's main thread; a string costs nothing, and MapLibre's worker parses the blob off the
     main thread. */
  const BLOBS = new Map();
  function blobSource(key, geojson) {
    if (!BLOBS.has(key)) {
      const body = new Blob([JSON.stringify(geojson)], {type: 'application/geo+json'});
      BLOBS.set(key, URL.createObjectURL(body));
    }
    return BLOBS.get(key);
  }

  /* The figure with its layers' geometry decoded: fills into plotly's cache of fetched
     GeoJSON (the trace keeps its URL), outline layers' sources as blob: URLs of it. */
  function withGeometry(figure) {
    const assets = (window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}});
    const waits = [];
    for (const trace of figure.data || []) {
      const url = trace.geojson;
      if (typeof url !== 'string' || (assets[url] && assets[url] !== 'pending')) continue;
      const loading = loadLayer(url);
      if (loading) waits.push(loading.then((g) => { assets[url] = g; }, () => null));
    }
    const map = (figure.layout && figure.layout.map) || {};
    const layers = (map.layers || []).map((layer) => {
      const loading = layer.sourcetype === 'geojson' && loadLayer(layer.source);
      if (!loading) return Promise.resolve(layer);
      return loading.then((g) => Object.assign({}, layer, {source: blobSource(layer.source, g)}),
        () => layer);
    });
    return Promise.all([Promise.all(waits), Promise.all(layers)]).then(([, decoded]) => {
      if (!decoded.length) return figure;
      const layout = Object.assign({}, figure.layout, {map: Object.assign({}, map, {layers: decoded})});
      return Object.assign({}, figure, {layout: layout});
    });
  }

  /* The URL of the units inside `code` (one level down), as the server's figure will name
     it: the fill URL on screen with the level and the parent changed (its other parameters,
     crs and the cache token, are the viewer's). */
  const CHILD_LEVEL = [[4, 'county'], [6, 'town'], [9, 'village']];
  function childrenUrl(code, figure) {
    const shown = figure && figure.data && figure.data[0] && figure.data[0].geojson;
    const child = CHILD_LEVEL.find(([length]) => prefixOf(code).length === length);
    if (!child || typeof shown !== 'string' || !packedUrl(shown)) return null;
    const url = new URL(shown, window.location.href);
    url.pathname = url.pathname.replace(/[a-z]+\.geojson$/, child[1] + '.geojson');
    url.searchParams.set('parent', code.slice(0, child[0]));
    return url.pathname + url.search;
  }

  // Copied from app/map_figure.py (PALETTE, OUTLINE_STYLE) and layers/codes.py.
  const PALETTE = ['#8dd3c7', '#ffffb3', '#bebada', '#fb8072', '#80b1d3', '#fdb462', '#b3de69',
    '#fccde5'];
  const OUTLINE = {city: ['#222222', 3.0], county: ['#444444', 2.0], town: ['#666666', 1.2],
    village: ['#999999', 0.6]};
  const LEVEL_LABEL = {city: '市', county: '区县', town: '镇街', village: '村居'};
  let wantedFocus = null; // the focus last asked for
  let servedFocus = null; // the focus of the last figure the server sent, once shown
  let previewDrawn = null; // {focus, done: a promise settled once the preview is drawn}
  const IDLE_WAIT_MS = 1500; // a map that never settles (a slow machine) waits no longer

  /* Settles when the map in `gd` has drawn everything it was given (MapLibre's idle). */
  function idle(gd) {
    const subplot = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    const map = subplot && subplot.map;
    if (!map) return Promise.resolve();
    return new Promise((resolve) => {
      map.once('idle', resolve);
      setTimeout(resolve, IDLE_WAIT_MS);
    });
  }

  function bboxOf(features) {
    let box = [Infinity, Infinity, -Infinity, -Infinity];
    const visit = (c) => {
      if (typeof c[0] === 'number') {
        box = [Math.min(box[0], c[0]), Math.min(box[1], c[1]), Math.max(box[2], c[0]),
          Math.max(box[3], c[1])];
      } else {
        c.forEach(visit);
      }
    };
    features.forEach((f) => f.geometry && visit(f.geometry.coordinates));
    return box;
  }

  /* The figure on screen turned to show `focus`'s children, in the zone colours, fitted. */
  function previewFigure(figure, focus, url, collection, outlines) {
    const units = collection.features.slice().sort((a, b) =>
      (a.properties.code < b.properties.code ? -1 : 1));
    if (!units.length) return null;
    const level = units[0].properties.level;
    const old = figure.data[0];
    const styled = (outlines || []).includes(level);
    const fill = {
      type: 'choroplethmap',
      name: LEVEL_LABEL[level],
      geojson: url,
      featureidkey: 'properties.code',
      locations: units.map((f) => f.properties.code),
      z: units.map((_, i) => i % PALETTE.length),
      zmin: 0,
      zmax: PALETTE.length - 1,
      colorscale: PALETTE.map((c, i) => [i / (PALETTE.length - 1), c]),
      showscale: false,
      marker: {opacity: 0.6, line: styled ? {width: OUTLINE[level][1], color: OUTLINE[level][0]}
        : {width: 1, color: '#ffffff'}},
      customdata: units.map((f) => [f.properties.name, LEVEL_LABEL[level], f.properties.code,
        f.properties.geometry_source === 'generated' ? '示意' : '']),
      hovertemplate: old.hovertemplate,
    };
    const kept = figure.data.filter((t) => isModuleTrace(t) || isHighlight(t));
    const map = figure.layout.map || {};
    const layers = (map.layers || []).slice();
    const oldLevel = old.customdata && old.customdata[0] ? Object.keys(LEVEL_LABEL)
      .find((k) => LEVEL_LABEL[k] === old.customdata[0][1]) : null;
    const oldShape = window.PlotlyGeoAssets && window.PlotlyGeoAssets[old.geojson];
    if (oldLevel && (outlines || []).includes(oldLevel) && oldShape && oldShape.features) {
      // The level drilled from keeps its outline, as the server's figure draws it.
      layers.push({sourcetype: 'geojson', source: blobSource(old.geojson, oldShape), type: 'line',
        color: OUTLINE[oldLevel][0], line: {width: OUTLINE[oldLevel][1]},
        name: 'outline-' + oldLevel});
    }
    const box = bboxOf(units);
    const meta = Object.assign({}, figure.layout.meta, {focus: focus, fit_bbox: box,
      preview: true});
    const layout = Object.assign({}, figure.layout, {
      uirevision: focus,
      meta: meta,
      map: Object.assign({}, map, {layers: layers,
        center: {lon: (box[0] + box[2]) / 2, lat: (box[1] + box[3]) / 2}}),
    });
    return Object.assign({}, figure, {data: [fill].concat(kept), layout: layout});
  }

  function element(type, props) {
    return {namespace: 'dash_html_components', type: type, props: props};
  }

  function swatch(entry) {
    const style = {display: 'inline-block', marginRight: '6px', verticalAlign: 'middle'};
    if (entry.kind === 'dot') {
      const size = Math.max(6, Math.min(entry.size || 10, 16));
      Object.assign(style, {width: size + 'px', height: size + 'px', borderRadius: '50%',
        background: entry.colour});
    } else if (entry.kind === 'line') {
      Object.assign(style, {width: '20px', height: '0',
        borderTop: Math.max(1, Math.min(entry.width || 2, 4)) + 'px solid ' + entry.colour});
    } else if (entry.kind === 'scale') {
      Object.assign(style, {width: '64px', height: '10px',
        background: 'linear-gradient(to right, ' + entry.colours.join(', ') + ')'});
    } else {
      const fill = entry.colours ? 'linear-gradient(to right, ' + entry.colours.join(', ') + ')'
        : entry.colour;
      Object.assign(style, {width: '18px', height: '12px', background: fill,
        border: '1px solid ' + (entry.edge || '#666')});
    }
    return element('Span', {className: 'legend-swatch', style: style});
  }

  function legendEntry(entry) {
    const parts = [swatch(entry)];
    if (entry.kind === 'scale') {
      parts.unshift(element('Span', {className: 'legend-scale-end', children: entry.min}));
      parts.push(element('Span', {className: 'legend-scale-end', children: entry.max}));
    } else {
      parts.push(element('Span', {className: 'legend-label', children: entry.label}));
    }
    return element('Li', {className: 'legend-entry legend-' + entry.kind, children: parts});
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    onemap_map: {
      prefixOf: prefixOf,
      decodeTopo: decodeTopo,

      /* [focus, selected] for a click on the map, a breadcrumb, a child or a search hit: a
         unit with children becomes the focus; a village (a leaf) is selected inside its
         town. A click on a module's point changes nothing here (a station shows its
         series); a marker standing for a unit (key points gathered at a wide view) is a
         click on that unit. A focus that stays (a village picked in the town on screen) is
         not sent again: the side panels and the modules' layers would all be rebuilt for
         nothing, and a panel following the selection could be overwritten by its town's. */
      chooseUnit: function (clickData, crumbs, children, hits, focus) {
        const ctx = window.dash_clientside.callback_context;
        const trigger = ctx.triggered_id;
        const nothing = window.dash_clientside.PreventUpdate;
        let code;
        if (trigger === 'map') {
          const point = ((clickData && clickData.points) || [])[0];
          if (!point) throw nothing;
          if (typeof point.location === 'string') {
            code = point.location;
          } else if (typeof point.customdata === 'string' &&
                     point.customdata.startsWith(UNIT_MARK)) {
            code = point.customdata.slice(UNIT_MARK.length);
          } else {
            throw nothing;
          }
        } else if (trigger && typeof trigger === 'object' && ctx.triggered[0].value) {
          code = trigger.code;
        } else {
          throw nothing;
        }
        if (code === '') return ['', '']; // the virtual root of several jurisdictions
        if (!/^\d{12}$/.test(code)) throw nothing;
        const kept = window.dash_clientside.no_update;
        if (code.slice(9) !== '000') {
          const town = code.slice(0, 9) + '000';
          return [town === focus ? kept : town, code];
        }
        const gd = document.querySelector('#map .js-plotly-plot');
        const url = childrenUrl(code, gd);
        if (url) loadLayer(url); // fetched while the server renders: the preview needs it
        wantedFocus = code;
        return [code, code];
      },

      /* A figure from the server, shown: decorated, then fitted to the screen. After a
         preview of the same focus, once the preview is drawn: plotly.js hands every fill
         its data again on each figure, so a figure arriving mid-draw would start MapLibre's
         work on the children over again. */
      showFigure: function (figure, off, highlight) {
        if (!figure || !figure.data) return window.dash_clientside.no_update;
        const focus = ((figure.layout || {}).meta || {}).focus;
        const drawn = previewDrawn && previewDrawn.focus === focus ? previewDrawn.done : null;
        return Promise.all([withGeometry(figure), drawn]).then(([shown]) => {
          servedFocus = (shown.layout && shown.layout.meta || {}).focus;
          return window.dash_clientside.onemap.fitFigure(decorate(shown, off, highlight));
        });
      },

      /* A drill-down drawn from what the page holds, before the server answers: the new
         focus's children filled in the zone colours (their geometry was fetched at the
         click, or is already here), the view fitted to them. The server's figure follows
         with the same uirevision (no second camera move), bringing the modules' layers;
         another shading waits for it. */
      previewFocus: function (focus, shade, outlines, figure) {
        const nothing = window.dash_clientside.no_update;
        if (!focus || shade !== 'zone' || !figure || !figure.data || !figure.layout ||
            (figure.layout.meta || {}).focus === focus) {
          return nothing;
        }
        wantedFocus = focus;
        const url = childrenUrl(focus, figure);
        const loading = url && loadLayer(url);
        if (!loading) return nothing;
        return loading.then((collection) => {
          if (wantedFocus !== focus || servedFocus === focus) return nothing;
          const assets = (window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}});
          assets[url] = collection;
          const preview = previewFigure(figure, focus, url, collection, outlines);
          if (!preview) return nothing;
          const shown = window.dash_clientside.onemap.fitFigure(preview);
          // Drawn now, not after the render's other outputs (the side panel, the modules'
          // sections) have been laid out; the output keeps dcc.Graph's figure the one shown.
          const gd = document.querySelector('#map .js-plotly-plot');
          if (gd && gd._fullLayout && window.Plotly) {
            // A failed preview holds nothing up: the server's figure then comes as it is.
            const done = window.Plotly.react(gd, shown.data, shown.layout)
              .then(() => idle(gd), () => null);
            previewDrawn = {focus: focus, done: done};
          }
          return shown;
        }, () => nothing);
      },

      /* Layers switched on or off, or a new highlight: the figure on screen, redecorated
         (same uirevision: the viewer's zoom and pan stay). */
      applyLayers: function (off, highlight, figure) {
        if (!figure || !figure.data) return window.dash_clientside.no_update;
        return decorate(figure, off, highlight);
      },

      /* The modules' fresh traces (the live refresh) in place of the old ones. */
      swapLive: function (live, off, figure) {
        if (!live || !figure || !figure.data) return window.dash_clientside.no_update;
        const hidden = new Set(off || []);
        const still = figure.data.filter((t) => !isModuleTrace(t) && !isHighlight(t));
        const marks = figure.data.filter(isHighlight);
        const fresh = (live.traces || []).map((t) =>
          Object.assign({}, t, {visible: !(t.meta && hidden.has(t.meta.layer))}));
        return Object.assign({}, figure, {data: still.concat(fresh, marks)});
      },

      /* The layer list: the module layers this figure holds, ticked unless switched off. */
      layerOptions: function (figure, off) {
        const meta = (figure && figure.layout && figure.layout.meta) || {};
        const layers = meta.layers || [];
        const hidden = new Set(off || []);
        return [
          layers.map((l) => ({label: l.title, value: l.id})),
          layers.filter((l) => !hidden.has(l.id)).map((l) => l.id),
        ];
      },

      /* The layers switched off, after a tick or an untick. A layer switched off stays off
         while a view that does not hold it is shown. */
      layersOff: function (value, options, off) {
        const ticked = new Set(value || []);
        const offered = (options || []).map((o) => o.value);
        const next = new Set((off || []).filter((id) => !offered.includes(id)));
        offered.forEach((id) => { if (!ticked.has(id)) next.add(id); });
        const result = Array.from(next).sort();
        const before = Array.from(off || []).sort();
        if (JSON.stringify(result) === JSON.stringify(before)) {
          return window.dash_clientside.no_update;
        }
        return result;
      },

      /* The legend of what the map shows: the units' shading, the outlines, the selection,
         and each module layer switched on. */
      drawLegend: function (figure) {
        const meta = (figure && figure.layout && figure.layout.meta) || {};
        const moduleIds = new Set((meta.layers || []).map((l) => l.id));
        const visible = new Set((figure && figure.data || [])
          .filter((t) => isModuleTrace(t) && t.visible !== false).map((t) => t.meta.layer));
        return (meta.legend || [])
          .filter((group) => !moduleIds.has(group.id) || visible.has(group.id))
          .map((group) => element('Div', {
            className: 'legend-group',
            'data-layer': group.id,
            children: [
              element('Div', {className: 'legend-title', children: group.title}),
              element('Ul', {children: (group.entries || []).map(legendEntry)}),
            ],
          }));
      },

      /* The view in the address bar (unit, layers, shading), so a reload or a shared link
         opens it again; nothing is sent anywhere. */
      rememberView: function (focus, selected, outlines, off, shade) {
        const code = selected || focus || '';
        const layers = (outlines || []).concat((off || []).map((id) => '-' + id));
        const parts = [];
        if (code) parts.push('unit=' + encodeURIComponent(code));
        parts.push('layers=' + layers.map(encodeURIComponent).join(','));
        if (shade && shade !== 'zone') parts.push('shade=' + encodeURIComponent(shade));
        const url = window.location.pathname + '?' + parts.join('&');
        if (url !== window.location.pathname + window.location.search) {
          window.history.replaceState(window.history.state, '', url);
        }
        return window.dash_clientside.no_update;
      },
    },
  });
})();
