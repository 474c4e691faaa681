/* The few English labels that libraries write into the page with no option to change them:
 * MapLibre's map canvas and attribution button (plotly.js creates the map without a locale)
 * and the +/- buttons Dash 4 puts on a number input. Screen readers announce them and a
 * mouse shows the titles, so they are put into Chinese as they appear.
 */
(function () {
    'use strict';

    var ZH = {
        'Map': '地图',
        'Toggle attribution': '显示或隐藏数据来源',
        'Increase value': '增加',
        'Decrease value': '减少'
    };
    var SELECTOR = '.maplibregl-canvas, .maplibregl-ctrl-attrib-button, .dash-input-stepper';
    var ATTRIBUTES = ['aria-label', 'title'];

    function translate(element) {
        ATTRIBUTES.forEach(function (name) {
            var chinese = ZH[element.getAttribute(name)];
            if (chinese) element.setAttribute(name, chinese);
        });
    }

    function translateWithin(node) {
        if (node.nodeType !== 1) return;
        if (node.matches(SELECTOR)) translate(node);
        node.querySelectorAll(SELECTOR).forEach(translate);
    }

    function start() {
        translateWithin(document.body);
        new MutationObserver(function (mutations) {
            mutations.forEach(function (mutation) {
                if (mutation.type === 'attributes') translate(mutation.target);
                else mutation.addedNodes.forEach(translateWithin);
            });
        }).observe(document.body, {
            childList: true,
            subtree: true,
            attributes: true,
            attributeFilter: ATTRIBUTES
        });
    }

    if (document.body) start();
    else document.addEventListener('DOMContentLoaded', start);
}());
