// Build a map-only plotly.js bundle: plotly core + choroplethmap + scattermap.
//
//   npm ci && node build.mjs        -> dist/plotly-map.min.js
//   node build.mjs --unminified     -> dist/plotly-map.js (for debugging)
//
// Mirrors what plotly.js 4.x does for its own partial bundles
// (esbuild-config.js, tasks/partial_bundle.mjs, tasks/util/bundle_wrapper.mjs,
// tasks/compress_attributes.js), without cloning the plotly.js repository:
//   * entry = lib/core + Plotly.register([...traces])
//   * iife with globalName "Plotly", target es2016, global -> window,
//     define.amd -> false, process.env.NODE_DEBUG -> "false"
//   * maplibre-gl.css (required by src/registry.js when a map trace is
//     registered) is injected into <head> at load time by a <style> tag
//   * attribute meta (description, hrName, requiredOpts, otherOpts) stripped
//     from plotly.js sources, as the official dist bundles do
//   * the same UMD wrapper as the official dist files, which ends with
//     `window.Plotly = Plotly;` (dash-core-components' Graph uses window.Plotly)
//   * a license header naming the bundle and the plotly.js version.
// The maplibre-gl web worker is already shipped pre-built inside the plotly.js
// npm package (build/maplibre_worker.js) and inlined as a blob URL by
// src/plots/map/map.js, so no extra step is needed for it.

import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import { build, transform } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const unminified = process.argv.includes('--unminified');

// Trace modules to include (names of files under plotly.js/lib/).
// `scatter` is always part of plotly.js/lib/core.
export const TRACES = ['bar', 'choroplethmap', 'scattermap'];
const NAME = 'map-onemap';

const plotlyPkg = JSON.parse(readFileSync(join(here, 'node_modules/plotly.js/package.json'), 'utf8'));

const entry = [
    "'use strict';",
    "var Plotly = require('plotly.js/lib/core');",
    'Plotly.register([',
    ...TRACES.map((t) => `    require('plotly.js/lib/${t}'),`),
    ']);',
    'module.exports = Plotly;',
    ''
].join('\n');

// --- plugins ---------------------------------------------------------------

// Strip attribute meta (description, hrName, requiredOpts, otherOpts) from
// plotly.js sources, as plotly.js tasks/compress_attributes.js does for the
// official dist bundles. The regexes of that task (as in earlier plotly.js
// releases) produce invalid code on the reformatted 4.1.1 sources, so the
// properties are located with a parser instead and cut out with their comma.
const STRIP = new Set(['description', 'hrName', 'requiredOpts', 'otherOpts']);

// position just past the comma that follows `pos` (skipping blanks and
// comments), or `pos` itself when no comma follows (last property)
function afterComma(src, pos) {
    let i = pos;
    for (;;) {
        while (i < src.length && /\s/.test(src[i])) i++;
        if (src.startsWith('//', i)) i = src.indexOf('\n', i) + 1 || src.length;
        else if (src.startsWith('/*', i)) i = src.indexOf('*/', i) + 2;
        else break;
    }
    return src[i] === ',' ? i + 1 : pos;
}

function stripMeta(src, file) {
    let ast;
    try {
        ast = acorn.parse(src, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true });
    } catch (e) {
        console.warn(`compress-attributes: cannot parse ${file}: ${e.message}; left as is`);
        return src;
    }
    const cuts = [];
    walk.simple(ast, {
        ObjectExpression(node) {
            node.properties.forEach((prop) => {
                if (prop.type !== 'Property' || prop.computed || prop.kind !== 'init' || prop.shorthand) return;
                const name = prop.key.type === 'Identifier' ? prop.key.name : prop.key.value;
                if (!STRIP.has(name)) return;
                cuts.push([prop.start, afterComma(src, prop.end)]);
            });
        }
    });
    if (!cuts.length) return src;
    // drop ranges nested in another one, then cut from the end backwards
    // (each range is one property plus its own comma, so ranges never overlap)
    cuts.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const outer = [];
    for (const c of cuts) if (!outer.length || c[0] >= outer[outer.length - 1][1]) outer.push(c);
    let out = src;
    for (const [a, b] of outer.reverse()) out = out.slice(0, a) + out.slice(b);
    return out;
}

const compressAttributes = {
    name: 'compress-attributes',
    setup(b) {
        b.onLoad({ filter: /[\\/]plotly\.js[\\/]src[\\/].*\.js$/ }, (args) => ({
            contents: stripMeta(readFileSync(args.path, 'utf8'), args.path),
            loader: 'js'
        }));
    }
};

// Turn `require('x.css')` into code that adds a <style> to <head> once.
// Like esbuild-plugin-inline-css used by plotly.js, but the CSS is minified,
// embedded with JSON.stringify, and the style id does not depend on the
// machine path (reproducible output).
const inlineCss = {
    name: 'inline-css',
    setup(b) {
        b.onLoad({ filter: /\.css$/ }, async (args) => {
            const css = readFileSync(args.path, 'utf8');
            const out = unminified ? css : (await transform(css, { loader: 'css', minify: true })).code;
            const rel = relative(join(here, 'node_modules'), args.path).split(sep).join('/');
            const id = 'plotly-css-' + createHash('sha256').update(rel).digest('hex').slice(0, 16);
            return {
                loader: 'js',
                contents: `(function(){if(typeof document==='undefined'||document.getElementById(${JSON.stringify(id)}))return;` +
                    `var e=document.createElement('style');e.id=${JSON.stringify(id)};` +
                    `e.textContent=${JSON.stringify(out)};document.head.appendChild(e);})();`
            };
        });
    }
};

// --- build -----------------------------------------------------------------

const outfile = join(here, 'dist', unminified ? 'plotly-map.js' : 'plotly-map.min.js');
mkdirSync(dirname(outfile), { recursive: true });

const t0 = performance.now();
const result = await build({
    stdin: { contents: entry, resolveDir: here, sourcefile: 'plotly-map-index.js', loader: 'js' },
    outfile,
    write: false,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: !unminified,
    sourcemap: false,
    legalComments: 'eof',
    target: 'es2016',
    plugins: [compressAttributes, inlineCss],
    // plotly.js aliases regl -> @plotly/regl and stream -> stream-browserify;
    // neither module is reached from core + map traces, so no alias is needed
    // (an unresolvable import would fail the build loudly).
    define: {
        global: 'window',
        'define.amd': 'false',
        'process.env.NODE_DEBUG': '"false"'
    },
    logLevel: 'warning',
    metafile: true
});

const header = [
    '/**',
    `* plotly.js (${NAME}${unminified ? '' : ' - minified'}) v${plotlyPkg.version}`,
    `* traces: scatter (core), ${TRACES.join(', ')}`,
    '* Copyright 2012-2026, Plotly, Inc.',
    '* All rights reserved.',
    '* Licensed under the MIT license',
    '*/',
    ''
].join('\n');

// Same UMD wrapper as plotly.js tasks/util/bundle_wrapper.mjs.
const pre = [
    '(',
    ' function(root, factory) {',
    '  if (typeof module === "object" && module.exports) {',
    '   module.exports = factory();',
    '  } else {',
    '   root.moduleName = factory();',
    '  }',
    '} (typeof self !== "undefined" ? self : this, () => {',
    ''
].join('\n');
const post = ['', 'window.Plotly = Plotly;', 'return Plotly;', '}));', ''].join('\n');

const code = result.outputFiles.find((f) => f.path.endsWith('.js')).text;
writeFileSync(outfile, header + pre + code + post);
writeFileSync(join(here, 'dist', 'meta.json'), JSON.stringify(result.metafile));

const secs = ((performance.now() - t0) / 1000).toFixed(1);
const raw = statSync(outfile).size;
const gz = gzipSync(readFileSync(outfile), { level: 9 }).length;
const mb = (n) => (n / 1e6).toFixed(2) + ' MB';
console.log(`${relative(here, outfile)}: ${mb(raw)} raw, ${mb(gz)} gzip -9 (plotly.js ${plotlyPkg.version}, ${secs}s)`);

// --- regenerator-runtime ----------------------------------------------------
// Dash's scripts call the global `regeneratorRuntime` (babel's helper for async functions),
// which Dash provides by loading babel-polyfill 7 (99 KB of core-js) on every page. The
// browsers that can draw the map have everything else it adds; app/polyfill.py serves this
// file in its place.
const runtimePkg = JSON.parse(
    readFileSync(join(here, 'node_modules/regenerator-runtime/package.json'), 'utf8')
);
const runtime = await transform(
    readFileSync(join(here, 'node_modules/regenerator-runtime/runtime.js'), 'utf8'),
    { minify: true, target: 'es2016' }
);
const runtimeFile = join(here, 'dist', 'regenerator-runtime.min.js');
writeFileSync(
    runtimeFile,
    `/*! regenerator-runtime ${runtimePkg.version} | ${runtimePkg.license} | (c) 2014-present, Facebook, Inc. */\n` +
        runtime.code
);
console.log(`${relative(here, runtimeFile)}: ${statSync(runtimeFile).size} B`);
