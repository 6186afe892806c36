// Audit log: filters, paging through nextCursor, export links (JSONL, CSV) for the same filters, and a
// "Verify chain" button that checks the whole hash chain and its signed checkpoints (GET /api/v1/audit/verify).
import {api, query} from './api.js';
import {field, h, message, replace, table} from './dom.js';

const PAGE_SIZE = 50;

export async function render(context) {
  const {main, me} = context;
  main.append(h('h1', {}, 'Audit log'));
  const filters = [
    field('Action', {name: 'action', placeholder: 'auth.login.local'}),
    field('Actor', {name: 'actor'}),
    field('Target', {name: 'target'}),
    field('From', {name: 'from', type: 'datetime-local', step: 1}),
    field('To', {name: 'to', type: 'datetime-local', step: 1}),
  ];
  if (me.roles.includes('superadmin')) filters.push(field('Tenant (empty: all)', {name: 'tenant'}));
  const form = h('form', {id: 'audit-filters', class: 'filters'}, filters,
    h('button', {type: 'submit'}, 'Apply filters'));
  const exports = h('p', {class: 'exports'});
  const results = h('div', {id: 'audit-results', 'aria-live': 'polite'});
  const verified = h('div', {id: 'audit-verify-result', 'aria-live': 'polite'});
  const verify = h('div', {class: 'verify'},
    h('button', {type: 'button', id: 'audit-verify', onclick: () => check()}, 'Verify chain'), verified);
  main.append(verify, form, exports, results);

  async function check() {
    replace(verified, message('status', 'Verifying the audit chain…'));
    let answer;
    try {
      answer = await api('GET', '/api/v1/audit/verify');
    } catch (e) {
      replace(verified);
      context.fail(verified, e);
      return;
    }
    const counts = answer.entries + ' entries in ' + answer.segments + ' segment(s), '
      + answer.checkpoints + ' signed checkpoint(s); entries ' + answer.firstSeq + ' to ' + answer.lastSeq
      + ', ' + answer.unsignedTail + ' written since the last checkpoint.';
    if (answer.ok) {
      replace(verified, message('ok', 'The audit chain holds: ' + counts));
    } else {
      const p = answer.problem;
      replace(verified, message('error', 'The audit chain is broken at ' + p.file
        + (p.line > 0 ? ' line ' + p.line : '') + (p.seq >= 0 ? ' (entry ' + p.seq + ')' : '') + ': '
        + p.kind.replace(/_/g, ' ') + ': ' + p.message + ' Checked ' + counts));
    }
  }

  let cursors = [null];

  function params() {
    const values = {};
    for (const wrapper of filters) {
      const {name, value} = wrapper.input;
      if (!value) continue;
      values[name] = wrapper.input.type === 'datetime-local' ? new Date(value).toISOString() : value.trim();
    }
    return values;
  }

  async function load() {
    const filter = params();
    replace(exports, 'Export these entries: ',
      h('a', {id: 'export-jsonl', href: '/api/v1/audit/export' + query({...filter, format: 'jsonl'}), download: 'audit.jsonl'}, 'JSONL'),
      ' · ',
      h('a', {id: 'export-csv', href: '/api/v1/audit/export' + query({...filter, format: 'csv'}), download: 'audit.csv'}, 'CSV'));
    replace(results);
    const cursor = cursors[cursors.length - 1];
    let page;
    try {
      page = await api('GET', '/api/v1/audit' + query({...filter, limit: PAGE_SIZE, cursor}));
    } catch (e) {
      context.fail(results, e);
      return;
    }
    if (page.entries.length === 0) {
      results.append(message('ok', 'No audit entries match.'));
    } else {
      results.append(table('Audit entries, page ' + cursors.length,
        ['#', 'Time', 'Tenant', 'Actor', 'Action', 'Target', 'Outcome', 'Details'],
        page.entries.map((entry) => [
          String(entry.seq),
          entry.time,
          entry.tenant,
          entry.actor.kind + ':' + entry.actor.id,
          entry.action,
          entry.target,
          entry.outcome,
          Object.entries(entry.fields || {}).map(([k, v]) => k + '=' + v).join(' '),
        ])));
    }
    const pager = h('div', {class: 'actions'});
    if (cursors.length > 1) {
      pager.append(h('button', {type: 'button', id: 'audit-previous', onclick: () => {
        cursors.pop();
        load();
      }}, 'Previous page'));
    }
    if (page.nextCursor !== null && page.nextCursor !== undefined) {
      pager.append(h('button', {type: 'button', id: 'audit-next', onclick: () => {
        cursors.push(page.nextCursor);
        load();
      }}, 'Next page'));
    }
    results.append(pager);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    cursors = [null];
    load();
  });
  await load();
}
