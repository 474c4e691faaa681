/* The client half of app/basemap.py: a map whose style comes from basemap.style() shows the
 * basemap and the names its figure asks for, in the app's own glyphs.
 *
 * The style never changes with the view (plotly.js would hand a changed one to MapLibre's
 * setStyle, whose diff drops the layers plotly added itself). What a figure shows goes in
 * its layout.meta.basemap = {basemap: id, labels: [{source, url, codes}]}; after each plot
 * this shows that basemap's layers, hides the others, and points each level's names at
 * their URL (or at nothing).
 *
 * MapLibre also draws Chinese characters with the browser's local font instead of the
 * style's glyphs (its localIdeographFontFamily option, on by default), which plotly.js
 * cannot turn off: a machine without a CJK font would show empty boxes. So the map is
 * switched to the served glyphs as soon as plotly has made it (a DOM mutation, before
 * MapLibre loads the style in the next frame).
 */
(function () {
  'use strict';

  var GLYPHS_PATH = '/map/glyphs/';
  var LABEL_PREFIX = 'onemap-labels-';
  var EMPTY = {type: 'FeatureCollection', features: []};

  function ours(style) {
    return !!style && typeof style === 'object' && typeof style.glyphs === 'string' &&
      style.glyphs.indexOf(GLYPHS_PATH) !== -1;
  }

  function mapsOf(graph) {
    var layout = graph._fullLayout;
    var ids = (layout && layout._subplots && layout._subplots.map) || [];
    return ids.map(function (id) {
      var options = layout[id];
      var map = options && options._subplot && options._subplot.map;
      return map && ours(options.style) ? map : null;
    }).filter(Boolean);
  }

  function useServedGlyphs(map) {
    if (map.__onemapGlyphs) return;
    map.__onemapGlyphs = true;
    // Kept by the map for a later setStyle, and read by the current style's glyphs.
    map._localIdeographFontFamily = false;
    if (map.style && map.style.glyphManager) {
      map.style.glyphManager.localIdeographFontFamily = false;
    }
  }

  function show(map, wanted) {
    map.getStyle().layers.forEach(function (layer) {
      var basemap = layer.metadata && layer.metadata['onemap:basemap'];
      if (basemap) {
        map.setLayoutProperty(layer.id, 'visibility', basemap === wanted.basemap ? 'visible' : 'none');
      }
    });
    var labels = {};
    (wanted.labels || []).forEach(function (item) { labels[item.source] = item; });
    Object.keys(map.getStyle().sources).forEach(function (id) {
      if (id.indexOf(LABEL_PREFIX) !== 0) return;
      var item = labels[id];
      var data = item ? item.url : EMPTY;
      var source = map.getSource(id);
      if (source.__onemapData !== data) {
        source.__onemapData = data;
        source.setData(data);
      }
      map.setFilter(id, item && item.codes ? ['in', ['get', 'code'], ['literal', item.codes]] : null);
    });
  }

  function apply(graph) {
    var meta = graph.layout && graph.layout.meta;
    var wanted = meta && meta.basemap;
    mapsOf(graph).forEach(function (map) {
      useServedGlyphs(map);
      if (!wanted) return;
      // Not isStyleLoaded(): that waits for every tile too. Layers can change once the
      // style itself has loaded.
      if (map.style && map.style._loaded) {
        show(map, wanted);
      } else {
        map.once('style.load', function () { apply(graph); });
      }
    });
  }

  function watch(graph) {
    apply(graph);
    if (!graph.__onemapBasemap && typeof graph.on === 'function') {
      graph.__onemapBasemap = true;
      graph.on('plotly_afterplot', function () { apply(graph); });
    }
  }

  function graphsIn(node) {
    var inside = node.closest('.js-plotly-plot');
    if (inside) return [inside];
    return Array.prototype.slice.call(node.querySelectorAll('.js-plotly-plot'));
  }

  new MutationObserver(function (records) {
    records.forEach(function (record) {
      Array.prototype.forEach.call(record.addedNodes, function (node) {
        // MapLibre adds this container with its canvas when plotly makes a map.
        if (node.nodeType === 1 && (node.classList.contains('maplibregl-canvas-container') ||
            node.querySelector('.maplibregl-canvas-container'))) {
          graphsIn(node).forEach(watch);
        }
      });
    });
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
