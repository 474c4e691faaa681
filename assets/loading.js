/* Marks <html data-onemap-busy> while the page waits for anything, for loading.css's sign of
   work. CSS alone sees Dash's marks (a pending callback, a graph being plotted, the app
   starting) but not MapLibre, which after Plotly.react still fetches the layers given by URL
   and draws its first frames (half a second and more for a first map here). CSS also starts
   its half-second count again whenever one mark hands over to the next with a frame between
   them; this mark stays until two looks in a row, 100 ms apart, find nothing waiting.
   Nothing here runs inline (CSP). */
(function () {
  'use strict';
  var ATTRIBUTE = 'data-onemap-busy';
  var MARKS = '[data-dash-is-loading="true"], .dash-graph--pending, ._dash-loading';
  var idleLooks = 0;

  function mapDrawing() {
    var graphs = document.querySelectorAll('.js-plotly-plot');
    for (var i = 0; i < graphs.length; i++) {
      var layout = graphs[i]._fullLayout;
      var subplot = layout && layout.map && layout.map._subplot;
      var map = subplot && subplot.map;
      if (map && typeof map.loaded === 'function' && !map.loaded()) return true;
    }
    return false;
  }

  function look() {
    var root = document.documentElement;
    if (document.querySelector(MARKS) || mapDrawing()) {
      idleLooks = 0;
      if (!root.hasAttribute(ATTRIBUTE)) root.setAttribute(ATTRIBUTE, '');
    } else if (++idleLooks >= 2 && root.hasAttribute(ATTRIBUTE)) {
      root.removeAttribute(ATTRIBUTE);
    }
  }

  look();
  setInterval(look, 100);
})();
