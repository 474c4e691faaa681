/* Client-side helpers for the map page (registered as dash_clientside.onemap). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  onemap: {
    /* Fit the figure's view to layout.meta.fit_bbox using the map's real size on screen, so a
       unit fills a phone as well as a desktop. The server cannot know the size; the figure
       otherwise arrives unchanged. */
    fitFigure: function (figure) {
      if (!figure || !figure.layout || !figure.layout.meta || !figure.layout.meta.fit_bbox) {
        return figure;
      }
      window.dash_clientside.onemap.prefetchFigure(figure);
      const el = document.getElementById('map');
      const width = Math.max((el && el.clientWidth) || 900, 200);
      const height = Math.max((el && el.clientHeight) || 700, 200);
      const [minLon, minLat, maxLon, maxLat] = figure.layout.meta.fit_bbox;
      const mercY = lat => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
      const lonSpan = Math.max(maxLon - minLon, 1e-4) * 1.1;
      const ySpan = Math.max(mercY(maxLat) - mercY(minLat), 1e-6) * 1.1;
      // MapLibre draws the world 512 px wide at zoom 0.
      const zoomX = Math.log2((360 * width) / (512 * lonSpan));
      const zoomY = Math.log2((2 * Math.PI * height) / (512 * ySpan));
      const layout = Object.assign({}, figure.layout);
      layout.map = Object.assign({}, layout.map, {
        zoom: Math.round(Math.min(zoomX, zoomY) * 100) / 100,
      });
      return Object.assign({}, figure, {layout: layout});
    },
    /* Which unit a click on the map, a breadcrumb or a child button asks for, as
       [focus, selected]: a unit with children becomes the focus; a village (a leaf, by its
       code) is selected inside its town. Decided here to save a round trip before the
       render; the server's render still checks the codes against the viewer's scope. */
    chooseUnit: function (clickData) {
      const ctx = window.dash_clientside.callback_context;
      const trigger = ctx.triggered_id;
      const nothing = window.dash_clientside.PreventUpdate;
      let code;
      if (trigger === 'map') {
        const points = (clickData && clickData.points) || [];
        if (!points.length || typeof points[0].location !== 'string') throw nothing;
        code = points[0].location;
      } else if (trigger && typeof trigger === 'object' && ctx.triggered[0].value) {
        code = trigger.code;
      } else {
        throw nothing;
      }
      if (code === '') return ['', '']; // the virtual root of several jurisdictions
      if (!/^\d{12}$/.test(code)) throw nothing;
      if (code.slice(9) !== '000') return [code.slice(0, 9) + '000', code];
      window.dash_clientside.onemap.prefetchChildren(code);
      return [code, code];
    },
    /* Ask for every layer a figure names the moment the figure arrives. On a first visit
       plotly.js is still compiling then, and MapLibre's worker would only ask for the outline
       layers once the map exists and the fill sources are done. A fill's GeoJSON goes into
       plotly's own cache; an outline's into the HTTP cache, where the worker's request finds
       it (the URLs carry the cache token: kept, not revalidated). */
    prefetchFigure: function (figure) {
      const onemap = window.dash_clientside.onemap;
      for (const trace of figure.data || []) {
        if (typeof trace.geojson === 'string') onemap.prefetchGeoJSON(trace.geojson);
      }
      // Once per URL: a recolour or a selection hands the same outlines again.
      const asked = (onemap.prefetched = onemap.prefetched || new Set());
      const map = figure.layout.map || {};
      for (const layer of map.layers || []) {
        const url = layer.source;
        if (layer.sourcetype !== 'geojson' || typeof url !== 'string' || asked.has(url)) continue;
        if (!window.fetch) return;
        asked.add(url);
        fetch(url, {credentials: 'same-origin'}).catch(() => asked.delete(url));
      }
    },
    /* Fetch a GeoJSON URL into plotly's cache of fetched GeoJSON (once). */
    prefetchGeoJSON: function (key) {
      const assets = (window.PlotlyGeoAssets = window.PlotlyGeoAssets || {});
      if (assets[key] || !window.fetch) return;
      assets[key] = 'pending'; // plotly waits for it rather than fetching it again
      fetch(key, {credentials: 'same-origin'})
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status))))
        .then((geojson) => { assets[key] = geojson; })
        .catch(() => { delete assets[key]; });
    },
    /* Start fetching the new focus's children (the GeoJSON its fill trace will name) while
       the render callback runs, into plotly's own cache of fetched GeoJSON: one round trip
       fewer on every drill-down. The URL is the one on screen with the level and the parent
       changed, so it keeps the server's other parameters (crs); a wrong guess only costs a
       fetch. */
    prefetchChildren: function (code) {
      const child = code.slice(4) === '00000000' ? ['county', 4]
        : code.slice(6) === '000000' ? ['town', 6]
        : code.slice(9) === '000' ? ['village', 9] : null;
      const gd = document.querySelector('#map .js-plotly-plot');
      const shown = gd && gd.data && gd.data[0] && gd.data[0].geojson;
      if (!child || typeof shown !== 'string' || !window.fetch) return;
      const url = new URL(shown, window.location.href);
      url.pathname = url.pathname.replace(/[a-z]+\.geojson$/, child[0] + '.geojson');
      url.searchParams.set('parent', code.slice(0, child[1]));
      window.dash_clientside.onemap.prefetchGeoJSON(url.pathname + url.search);
    },
    /* Replace the modules' traces (those with meta.layer) by fresh ones, keeping the
       boundaries and the layout as they are: same uirevision, so the zoom, the pan and the
       selection the viewer made survive the refresh. */
    swapLiveTraces: function (live, figure) {
      if (!live || !figure || !figure.data) {
        return window.dash_clientside.no_update;
      }
      const core = figure.data.filter(t => !(t.meta && t.meta.layer));
      return Object.assign({}, figure, {data: core.concat(live.traces || [])});
    },
  },
});
