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

      /* [focus, selected] for a click on the map, a breadcrumb, a child or a search hit: a
         unit with children becomes the focus; a village (a leaf) is selected inside its
         town. A click on a module's point changes nothing here (a station shows its
         series); a marker standing for a unit (key points gathered at a wide view) is a
         click on that unit. */
      chooseUnit: function (clickData) {
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
        if (code.slice(9) !== '000') return [code.slice(0, 9) + '000', code];
        window.dash_clientside.onemap.prefetchChildren(code);
        return [code, code];
      },

      /* A figure from the server, shown: decorated, then fitted to the screen. */
      showFigure: function (figure, off, highlight) {
        if (!figure || !figure.data) return window.dash_clientside.no_update;
        return window.dash_clientside.onemap.fitFigure(decorate(figure, off, highlight));
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
