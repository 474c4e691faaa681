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
  },
});
