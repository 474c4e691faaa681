/* The map page's export buttons: the view on screen as PDF (drawn by the server) or PNG (the
   server's SVG of the same view, drawn onto a canvas here). The view is the address bar's
   unit, layers and shading (assets/map-view.js keeps them there) and the map's bounds. */
(function () {
  const SCALE = 2; // PNG pixels per SVG pixel

  function mapBounds() {
    const gd = document.querySelector('#map .js-plotly-plot');
    const subplot = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    if (!subplot || !subplot.map) return null;
    const b = subplot.map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5));
  }

  /* The export URL of the view on screen: kind is 'svg' or 'pdf'. */
  function viewUrl(kind) {
    const here = new URLSearchParams(window.location.search);
    const parts = [];
    for (const name of ['unit', 'layers', 'shade']) {
      if (here.get(name)) parts.push(name + '=' + encodeURIComponent(here.get(name)));
    }
    const bounds = mapBounds();
    if (bounds) parts.push('bbox=' + bounds.join(','));
    return '/map/view.' + kind + (parts.length ? '?' + parts.join('&') : '');
  }

  /* The view as a PNG Blob, drawn from the server's SVG. */
  function viewPng() {
    return fetch(viewUrl('svg'), {credentials: 'same-origin'})
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error('HTTP ' + r.status))))
      .then((svg) => new Promise((resolve, reject) => {
        const url = URL.createObjectURL(new Blob([svg], {type: 'image/svg+xml'}));
        const image = new Image();
        image.onload = () => {
          const canvas = document.createElement('canvas');
          canvas.width = image.naturalWidth * SCALE;
          canvas.height = image.naturalHeight * SCALE;
          const context = canvas.getContext('2d');
          context.fillStyle = '#ffffff';
          context.fillRect(0, 0, canvas.width, canvas.height);
          context.drawImage(image, 0, 0, canvas.width, canvas.height);
          URL.revokeObjectURL(url);
          canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('empty'))), 'image/png');
        };
        image.onerror = () => { URL.revokeObjectURL(url); reject(new Error('svg')); };
        image.src = url;
      }));
  }

  function save(blob, name) {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  }

  function say(text) {
    const status = document.getElementById('map-export-status');
    if (status) status.textContent = text;
  }

  document.addEventListener('click', (event) => {
    const button = event.target.closest && event.target.closest('#map-export-png, #map-export-pdf');
    if (!button) return;
    if (button.id === 'map-export-pdf') {
      say('正在生成 PDF…');
      window.location.assign(viewUrl('pdf'));
      setTimeout(() => say(''), 4000);
      return;
    }
    say('正在生成图片…');
    viewPng()
      .then((blob) => { save(blob, 'map-view.png'); say('图片已生成。'); })
      .catch(() => say('图片生成失败，请稍后重试。'));
  });

  window.onemapExport = {viewUrl: viewUrl, viewPng: viewPng};
})();
