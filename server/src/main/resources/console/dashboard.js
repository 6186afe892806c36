// Dashboard: the appliance's health checks (/observe/health) and version, and who is signed in.
import {api} from './api.js';
import {h, message, table} from './dom.js';

export async function render(context) {
  const {main, me} = context;
  main.append(h('h1', {}, 'Dashboard'));
  const version = await api('GET', '/api/v1/version').catch((e) => context.fail(main, e));
  if (version) {
    main.append(h('dl', {class: 'facts', id: 'version'},
      h('dt', {}, 'Version'), h('dd', {}, version.version),
      h('dt', {}, 'Store schema'), h('dd', {}, String(version.storeSchemaVersion)),
      h('dt', {}, 'Signed in as'), h('dd', {}, me.subject + ' (' + me.roles.join(', ') + ') in ' + me.tenant)));
  }
  main.append(h('h2', {}, 'Health'));
  let health;
  try {
    // A failing check answers 503 with the same document.
    const response = await fetch('/observe/health', {headers: {Accept: 'application/json'}, cache: 'no-store'});
    health = await response.json();
  } catch (e) {
    main.append(message('error', 'The health endpoint cannot be reached.'));
    return;
  }
  main.append(h('p', {id: 'health-status', class: health.status === 'UP' ? 'up' : 'down'},
    'Overall: ' + health.status));
  const rows = (health.checks || []).map((check) => [
    check.name,
    h('span', {class: check.status === 'UP' ? 'up' : 'down'}, check.status),
    Object.entries(check.data || {}).map(([key, value]) => key + ': ' + value).join('; '),
  ]);
  main.append(table('Health checks', ['Check', 'Status', 'Detail'], rows));
}
