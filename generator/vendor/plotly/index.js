'use strict';

// plotly.js's own src/core.js (v4.1.1) with only what the statistics charts draw: the scatter (lines and dots) and
// bar traces, Plotly's Vietnamese locale, and the components their figures use. Left out, to keep the first load
// of the statistics page small: annotations3d, images, updatemenus, sliders, rangeslider, rangeselector, grid,
// errorbars, colorbar, selections. Plotly reaches these only through Registry.getComponentMethod, which answers a
// no-op for a component that is not registered; shapes stays, because the legend reads its state unchecked.
exports.version = require('plotly.js/src/version').version;

require('plotly.js/build/plotcss');

var Registry = require('plotly.js/src/registry');
var register = exports.register = Registry.register;

var plotApi = require('plotly.js/src/plot_api');
Object.keys(plotApi).forEach(function(name) {
    if(name.charAt(0) !== '_') exports[name] = plotApi[name];
    register({moduleType: 'apiMethod', name: name, fn: plotApi[name]});
});

register([
    require('plotly.js/src/traces/scatter'),
    require('plotly.js/src/traces/bar')
]);

// In core.js's order: legend after shapes, fx after legend.
register([
    require('plotly.js/src/components/annotations'),
    require('plotly.js/src/components/shapes'),
    require('plotly.js/src/components/colorscale'),
    require('plotly.js/src/components/legend'),
    require('plotly.js/src/components/fx'),
    require('plotly.js/src/components/modebar')
]);

register([
    require('plotly.js/src/locale-en'),
    require('plotly.js/src/locale-en-us'),
    require('plotly.js/lib/locales/vi')
]);

exports.Icons = require('plotly.js/src/fonts/ploticon');
