// A small bar chart drawn as inline SVG (no chart library): one group of stacked bars per day, one colour
// per series, with a title, axis labels and a text legend; the numbers are also in a table next to it.
const NS = 'http://www.w3.org/2000/svg';
const COLOURS = ['#0b5cad', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7c86', '#57606a', '#b3261e'];

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * Stacked bars: `days` along x, for each day the values of every series stacked.
 * @param {string} title what the chart shows (its accessible name)
 * @param {string[]} days x labels
 * @param {{name: string, values: number[]}[]} series one value per day each
 * @param {(n: number) => string} format how to write a value
 */
export function stackedBars(title, days, series, format) {
  const width = 640;
  const height = 240;
  const left = 64;
  const bottom = 36;
  const top = 12;
  const totals = days.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
  const max = Math.max(...totals, 0) || 1;
  const plot = height - bottom - top;
  const step = (width - left - 8) / Math.max(days.length, 1);
  const bar = Math.max(Math.min(step * 0.7, 40), 2);
  const chart = svg('svg', {viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart', width: '100%'});
  chart.append(svg('title', {}, title));
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plot * (1 - fraction);
    chart.append(svg('line', {x1: left, x2: width - 8, y1: y, y2: y, class: 'grid'}));
    chart.append(svg('text', {x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis'}, format(max * fraction)));
  }
  days.forEach((day, i) => {
    const x = left + step * i + (step - bar) / 2;
    let y = top + plot;
    series.forEach((s, k) => {
      const value = s.values[i] || 0;
      if (value <= 0) return;
      const h = plot * value / max;
      y -= h;
      const rect = svg('rect', {x, y, width: bar, height: h, fill: COLOURS[k % COLOURS.length]});
      rect.append(svg('title', {}, day + ' · ' + s.name + ': ' + format(value)));
      chart.append(rect);
    });
    if (days.length <= 14 || i % Math.ceil(days.length / 14) === 0) {
      chart.append(svg('text', {x: x + bar / 2, y: height - bottom + 16, 'text-anchor': 'middle', class: 'axis'},
        day.slice(5)));
    }
  });
  const legend = document.createElement('ul');
  legend.className = 'legend';
  series.forEach((s, k) => {
    const item = document.createElement('li');
    const swatch = svg('svg', {width: 12, height: 12, 'aria-hidden': 'true'});
    swatch.append(svg('rect', {width: 12, height: 12, fill: COLOURS[k % COLOURS.length]}));
    item.append(swatch, document.createTextNode(' ' + s.name));
    legend.append(item);
  });
  const figure = document.createElement('figure');
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  figure.append(caption, chart, legend);
  return figure;
}
