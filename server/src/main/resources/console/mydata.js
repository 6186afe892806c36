// "My data": any signed-in user exports what the appliance keeps about them (profile and roles, API token metadata,
// sessions, jobs they started, LLM usage, their audit entries), with progress and a one-time download link that
// only they can open. Nothing is called until the button is pressed (an API token has no data of its own).
import {api} from './api.js';
import {h, message, replace} from './dom.js';

/** How often a running export is polled. */
const POLL_MS = 500;

export async function render(context) {
  const {main} = context;
  const status = h('div', {id: 'my-export-status', 'aria-live': 'polite'});
  const start = h('button', {type: 'button', id: 'my-export-start'}, 'Export my data');
  main.append(h('h1', {}, 'My data'),
    h('section', {id: 'my-export', 'aria-labelledby': 'my-export-title'},
      h('h2', {id: 'my-export-title'}, 'Export'),
      h('p', {}, 'One zip archive of JSON documents with what the appliance keeps about you: your profile and roles, '
        + 'your API tokens (names and times, never the tokens), your sessions, the jobs you started, your LLM usage '
        + 'and the audit entries where you are the actor. Only you can download it, once, until it expires.'),
      start, status));
  start.addEventListener('click', async () => {
    replace(status);
    start.disabled = true;
    try {
      const created = await api('POST', '/api/v1/privacy/me/exports');
      const progress = h('progress', {id: 'my-export-progress', max: String(created.kinds || 1), value: '0',
        'aria-label': 'Export progress'});
      const line = h('p', {id: 'my-export-state'}, 'Building…');
      status.append(progress, line);
      let current = created;
      while (current.state === 'building') {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        current = await api('GET', '/api/v1/privacy/me/exports/' + encodeURIComponent(created.id));
        progress.max = String(current.kinds || 1);
        progress.value = String(current.kindsDone);
        replace(line, 'Building… ' + current.kindsDone + ' of ' + current.kinds + ' kinds');
      }
      if (current.state === 'ready') {
        replace(line, 'Ready: ' + current.bytes + ' bytes. The link works once, for you, until ' + current.expiresAt
          + '.');
        status.append(h('a', {id: 'my-export-download', href: created.downloadPath, download: 'magicode-my-data.zip'},
          'Download my data'));
      } else {
        replace(line);
        status.append(message('error', 'The export ' + current.state + '; request a new one.'));
      }
    } catch (e) {
      context.fail(status, e);
    } finally {
      start.disabled = false;
    }
  });
}
