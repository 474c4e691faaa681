/* Map labels in the app's own glyphs (app/glyphs.py, served under /map/glyphs/).
 *
 * MapLibre draws Chinese characters with the browser's local font instead of the style's
 * glyphs (its `localIdeographFontFamily` option, on by default), and plotly.js makes its maps
 * without a way to turn that off. A machine without a CJK font would then show empty boxes.
 * So each map whose style takes its glyphs from this server is switched to them here: as soon
 * as plotly has made it (a DOM mutation, before MapLibre loads the style in the next frame),
 * and again after each plot (a figure may bring the style later).
 */
(function () {
  'use strict';

  var GLYPHS_PATH = '/map/glyphs/';

  function servesGlyphs(style) {
    return !!style && typeof style === 'object' && typeof style.glyphs === 'string' &&
      style.glyphs.indexOf(GLYPHS_PATH) !== -1;
  }

  function adopt(graph) {
    var layout = graph._fullLayout;
    var ids = layout && layout._subplots && layout._subplots.map;
    if (!ids) return;
    ids.forEach(function (id) {
      var options = layout[id];
      var map = options && options._subplot && options._subplot.map;
      if (!map || map.__onemapGlyphs || !servesGlyphs(options.style)) return;
      map.__onemapGlyphs = true;
      // Kept by the map for every later setStyle, and read by the current style's glyphs.
      map._localIdeographFontFamily = false;
      if (map.style && map.style.glyphManager) {
        map.style.glyphManager.localIdeographFontFamily = false;
      }
    });
    if (!graph.__onemapGlyphsWatched && typeof graph.on === 'function') {
      graph.__onemapGlyphsWatched = true;
      graph.on('plotly_afterplot', function () { adopt(graph); });
    }
  }

  function graphsIn(node) {
    if (node.nodeType !== 1) return [];
    if (node.classList.contains('js-plotly-plot')) return [node];
    var inside = node.closest('.js-plotly-plot');
    if (inside) return [inside];
    return Array.prototype.slice.call(node.querySelectorAll('.js-plotly-plot'));
  }

  function watch() {
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        Array.prototype.forEach.call(record.addedNodes, function (node) {
          // Only a map's own container matters: MapLibre adds it with its canvas.
          if (node.nodeType === 1 && (node.classList.contains('maplibregl-canvas-container') ||
              node.querySelector('.maplibregl-canvas-container'))) {
            graphsIn(node).forEach(adopt);
          }
        });
      });
    }).observe(document.documentElement, {childList: true, subtree: true});
  }

  watch();
})();
