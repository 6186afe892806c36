// Repositories: the tenant's repositories (from its GitHub App installations) with their index status, a
// re-index button for admins and operators, and a live progress bar fed by the server-sent events of
// /api/v1/repos/{id}/index/events (files done/total, chunks/s, ETA) while an update is queued or running.
import {api} from './api.js';
import {h, message, replace} from './dom.js';

const INDEXERS = ['admin', 'operator'];
let streams = [];

/** Closes the progress streams of the page drawn before (the router calls render again on every visit). */
function closeStreams() {
  for (const stream of streams) stream.close();
  streams = [];
}

window.addEventListener('hashchange', closeStreams);

function busy(status) {
  return status.state === 'queued' || status.state === 'indexing';
}

function describe(status) {
  const parts = [status.state];
  if (status.filesTotal > 0) parts.push(status.filesDone + ' / ' + status.filesTotal + ' files');
  if (status.state === 'indexing' || status.chunks > 0) {
    parts.push(status.chunks + ' chunks', status.chunksPerSecond + ' chunks/s');
  }
  if (status.etaSeconds !== undefined) parts.push('about ' + status.etaSeconds + ' s left');
  if (status.commit) parts.push('at ' + status.commit.slice(0, 12));
  if (status.error) parts.push(status.error);
  return parts.join(' · ');
}

export async function render(context) {
  closeStreams();
  const {main, me} = context;
  main.append(h('h1', {}, 'Repositories'));
  const status = h('div', {id: 'repos-status', 'aria-live': 'polite'});
  const list = h('div', {id: 'repos-list'});
  main.append(
    h('p', {}, 'The repositories your tenant\'s GitHub App installations can reach, and their code index.'),
    status, list);
  const canIndex = INDEXERS.some((role) => me.roles.includes(role));

  let answer;
  try {
    answer = await api('GET', '/api/v1/repos');
  } catch (e) {
    context.fail(list, e);
    return;
  }
  if (answer.repositories.length === 0) {
    list.append(message('ok', 'No repositories yet: install the GitHub App on an organisation mapped to your tenant.'));
    return;
  }
  const rows = answer.repositories.map((repo) => row(repo));
  // Suggestions for the classification fields; any label the routing policy names works.
  list.append(h('datalist', {id: 'classification-labels'},
    ['public', 'internal', 'restricted'].map((label) => h('option', {value: label}))));
  list.append(h('table', {},
    h('caption', {}, 'Repositories and their index'),
    h('thead', {}, h('tr', {}, ['Repository', 'Index', 'Progress', 'Classification and agent', 'Actions']
      .map((c) => h('th', {scope: 'col'}, c)))),
    h('tbody', {}, rows)));

  function row(repo) {
    const label = 'Index progress of ' + repo.fullName;
    const bar = h('progress', {class: 'index-progress', 'data-repo': repo.id, 'aria-label': label});
    const text = h('span', {class: 'index-state', 'data-repo': repo.id});
    const show = (index) => {
      if (index.filesTotal > 0) {
        bar.max = index.filesTotal;
        bar.value = index.filesDone;
      } else if (busy(index)) {
        bar.removeAttribute('value');
      } else {
        bar.max = 1;
        bar.value = index.state === 'ready' ? 1 : 0;
      }
      bar.dataset.state = index.state;
      replace(text, describe(index));
    };
    show(repo.index);
    if (busy(repo.index)) follow(repo, show);
    const actions = canIndex
      ? h('button', {type: 'button', class: 'reindex', 'data-repo': repo.id, onclick: () => reindex(repo, show)},
        'Re-index', h('span', {class: 'visually-hidden'}, ' ' + repo.fullName))
      : '';
    return h('tr', {}, h('td', {}, repo.fullName), h('td', {}, text), h('td', {}, bar),
      h('td', {}, settingsCell(repo)), h('td', {}, actions));
  }

  /** The labels the routing policy matches and the agent switch: a small form for admins, text for the others. */
  function settingsCell(repo) {
    const settings = repo.settings || {classifications: [], agentEnabled: true};
    const summary = (s) => (s.classifications.length ? s.classifications.join(', ') : 'unclassified')
      + ' · agent ' + (s.agentEnabled ? 'on' : 'off');
    if (!me.roles.includes('admin')) {
      return h('span', {class: 'repo-settings', 'data-repo': repo.id}, summary(settings));
    }
    const labelsId = 'labels-' + repo.id;
    const agentId = 'agent-' + repo.id;
    const labels = h('input', {id: labelsId, name: 'labels', value: settings.classifications.join(', '), size: 18,
      list: 'classification-labels', autocomplete: 'off'});
    const agent = h('input', {type: 'checkbox', id: agentId, name: 'agent', checked: settings.agentEnabled});
    const shown = h('span', {class: 'repo-settings', 'data-repo': repo.id}, summary(settings));
    const form = h('form', {class: 'repo-settings-form', 'data-repo': repo.id},
      h('label', {for: labelsId}, 'Classification of ' + repo.fullName), ' ', labels, ' ',
      agent, ' ', h('label', {for: agentId}, 'Agent on'), ' ',
      h('button', {type: 'submit'}, 'Save', h('span', {class: 'visually-hidden'}, ' ' + repo.fullName)),
      h('br'), shown);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      replace(status);
      const wanted = {
        classifications: labels.value.split(',').map((l) => l.trim()).filter((l) => l !== ''),
        agentEnabled: agent.checked,
      };
      try {
        const saved = await api('PUT', '/api/v1/repos/' + encodeURIComponent(repo.id) + '/settings', wanted);
        replace(shown, summary(saved));
        status.append(message('ok', 'Saved the settings of ' + repo.fullName + '.'));
      } catch (e) {
        context.fail(status, e);
      }
    });
    return form;
  }

  async function reindex(repo, show) {
    replace(status);
    let index;
    try {
      index = await api('POST', '/api/v1/repos/' + encodeURIComponent(repo.id) + '/index');
    } catch (e) {
      context.fail(status, e);
      return;
    }
    status.append(message('ok', 'Re-indexing ' + repo.fullName + '.'));
    show(index);
    follow(repo, show);
  }

  function follow(repo, show) {
    const stream = new EventSource('/api/v1/repos/' + encodeURIComponent(repo.id) + '/index/events');
    streams.push(stream);
    stream.addEventListener('status', (event) => {
      const index = JSON.parse(event.data);
      show(index);
      // The server ends the stream after the first idle status; closing stops EventSource reconnecting.
      if (!busy(index)) stream.close();
    });
    stream.onerror = () => {
      if (stream.readyState === EventSource.CLOSED) return;
      stream.close();
      api('GET', '/api/v1/repos/' + encodeURIComponent(repo.id) + '/index').then(show, (e) => context.fail(status, e));
    };
  }
}
