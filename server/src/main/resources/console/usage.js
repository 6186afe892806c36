// Usage: tokens and cost by model (or tenant, repository, user) per day from GET /api/v1/llm/usage, drawn
// as inline-SVG bar charts by chart.js, with the numbers in a table and a CSV export made in the page.
import {api, query} from './api.js';
import {field, h, message, replace, table} from './dom.js';
import {stackedBars} from './chart.js';

const DAY = 24 * 3600 * 1000;

function isoDay(time) {
  return new Date(time).toISOString().slice(0, 10);
}

function csvCell(value) {
  let text = String(value);
  // Spreadsheets run cells that start with these as formulas.
  if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
  return /[",\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

export async function render(context) {
  const {main, me} = context;
  main.append(h('h1', {}, 'Usage'));
  const today = Date.now();
  const from = field('From', {name: 'usage-from', type: 'date', value: isoDay(today - 29 * DAY)});
  const to = field('To', {name: 'usage-to', type: 'date', value: isoDay(today)});
  const by = field('By', {name: 'usage-by', tag: 'select'});
  for (const key of ['model', 'tenant', 'repo', 'user']) by.input.append(h('option', {value: key}, key));
  const fields = [from, to, by];
  let tenant;
  if (me.roles.includes('superadmin')) {
    tenant = field('Tenant (empty: all)', {name: 'usage-tenant'});
    fields.push(tenant);
  }
  const form = h('form', {id: 'usage-filters', class: 'filters'}, fields, h('button', {type: 'submit'}, 'Show'));
  const results = h('div', {id: 'usage-results', 'aria-live': 'polite'});
  main.append(form, results);

  async function load() {
    replace(results);
    const params = {from: from.input.value, to: to.input.value, by: by.input.value,
      tenant: tenant ? tenant.input.value.trim() : undefined};
    let answer;
    try {
      answer = await api('GET', '/api/v1/llm/usage' + query(params));
    } catch (e) {
      context.fail(results, e);
      return;
    }
    const days = [];
    for (let t = Date.parse(answer.from); t <= Date.parse(answer.to); t += DAY) days.push(isoDay(t));
    const keys = [...new Set(answer.points.map((p) => p.key))].sort();
    const series = (metric) => keys.map((key) => ({
      name: key,
      values: days.map((day) => answer.points.filter((p) => p.day === day && p.key === key)
        .reduce((sum, p) => sum + metric(p), 0)),
    }));
    const header = ['Day', answer.by, 'Calls', 'Input tokens', 'Output tokens', 'Cost (USD)'];
    const rows = answer.points.map((p) => [p.day, p.key, p.calls, p.inputTokens, p.outputTokens, p.costUsd.toFixed(4)]);
    const csv = [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
    const link = h('a', {id: 'usage-csv', download: 'usage-' + answer.from + '-' + answer.to + '.csv',
      href: 'data:text/csv;charset=utf-8,' + encodeURIComponent(csv)}, 'Export as CSV');
    if (answer.points.length === 0) {
      results.append(message('ok', 'No model calls from ' + answer.from + ' to ' + answer.to + '.'), h('p', {}, link));
      return;
    }
    const totals = answer.points.reduce((t, p) => ({
      tokens: t.tokens + p.inputTokens + p.outputTokens, cost: t.cost + p.costUsd, calls: t.calls + p.calls,
    }), {tokens: 0, cost: 0, calls: 0});
    results.append(
      h('p', {id: 'usage-totals'}, totals.calls + ' calls, ' + totals.tokens.toLocaleString('en') + ' tokens, $'
        + totals.cost.toFixed(2) + ' from ' + answer.from + ' to ' + answer.to + '.'),
      h('p', {}, link),
      stackedBars('Tokens per day by ' + answer.by, days, series((p) => p.inputTokens + p.outputTokens),
        (n) => Math.round(n).toLocaleString('en')),
      stackedBars('Cost per day by ' + answer.by + ' (USD)', days, series((p) => p.costUsd), (n) => '$' + n.toFixed(2)),
      table('Usage per day', header, rows.map((row) => row.map(String))));
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  await load();
}
