// Jobs: the agent's jobs in the tenant (GET /api/v1/jobs, filters state and repo, newest first), and one job
// (#/jobs?id=…) with its timeline of steps — duration, tokens, cost, the model and whether it was local or
// external (which model saw the code) — links to the issue and pull request on GitHub, and a Cancel button for
// admins and operators while the job has not ended (POST /api/v1/jobs/{id}/cancel). Issue titles, branch names
// and step details come from GitHub or the model: they are shown as text.
import {api, query} from './api.js';
import {field, h, message, replace, table} from './dom.js';

const CANCELLERS = ['admin', 'operator'];
const STATES = ['queued', 'planning', 'working', 'validating', 'pushing', 'open', 'waiting', 'done', 'failed',
  'cancelled'];
const TERMINAL = ['done', 'failed', 'cancelled'];

/** The parameters after `?` in the page's hash (#/jobs?state=open&repo=acme/shop). */
function hashParams() {
  const hash = location.hash;
  const at = hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
}

function money(value) {
  return '$' + Number(value || 0).toFixed(4);
}

function duration(millis) {
  if (millis < 1000) return millis + ' ms';
  if (millis < 60000) return (millis / 1000).toFixed(1) + ' s';
  return Math.floor(millis / 60000) + ' min ' + Math.round((millis % 60000) / 1000) + ' s';
}

function when(iso) {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

/** A link that leaves the console for GitHub: only http(s) addresses become links, anything else is text. */
function external(url, text) {
  return /^https?:\/\//i.test(url || '') ? h('a', {href: url, rel: 'noopener noreferrer'}, text) : text;
}

export async function render(context) {
  const params = hashParams();
  if (params.get('id')) {
    await renderJob(context, params.get('id'));
  } else {
    await renderList(context, params);
  }
}

async function renderList(context, params) {
  const {main} = context;
  main.append(h('h1', {}, 'Jobs'),
    h('p', {}, 'What the agent did for your issues, newest first. Open a job for its steps, models and cost.'));
  const state = field('State', {name: 'state', tag: 'select'});
  state.input.append(h('option', {value: ''}, 'Any state'),
    ...STATES.map((s) => h('option', {value: s, selected: s === params.get('state')}, s)));
  const repo = field('Repository', {name: 'repo', placeholder: 'owner/name', value: params.get('repo') || ''});
  const form = h('form', {id: 'jobs-filters', class: 'filters'}, state, repo,
    h('button', {type: 'submit'}, 'Apply filters'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    context.go('#/jobs' + query({state: state.input.value, repo: repo.input.value.trim()}));
  });
  const list = h('div', {id: 'jobs-list', 'aria-live': 'polite'});
  main.append(form, list);

  let answer;
  try {
    answer = await api('GET', '/api/v1/jobs' + query({state: params.get('state'), repo: params.get('repo')}));
  } catch (e) {
    context.fail(list, e);
    return;
  }
  const jobs = [...answer.jobs].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (jobs.length === 0) {
    list.append(message('ok', params.toString() ? 'No job matches these filters.'
      : 'No jobs yet: label an issue for the agent, or start one with POST /api/v1/jobs.'));
    return;
  }
  list.append(table('Agent jobs, newest first',
    ['Job', 'Repository', 'Issue', 'State', 'Branch', 'Pull request', 'Tokens', 'Cost', 'Created'],
    jobs.map((job) => [
      h('a', {href: '#/jobs' + query({id: job.id}), class: 'job-link', 'data-job': job.id}, job.id),
      job.repo,
      h('span', {class: 'job-title'}, '#' + job.issue + (job.title ? ' ' + job.title : '')),
      h('span', {class: 'job-state', 'data-state': job.state}, job.state),
      job.branch,
      job.pullRequest > 0 ? '#' + job.pullRequest : '',
      job.tokens.toLocaleString('en'),
      money(job.costUsd),
      when(job.createdAt),
    ])));
}

async function renderJob(context, id) {
  const {main, me} = context;
  const canCancel = CANCELLERS.some((role) => me.roles.includes(role));
  main.append(h('p', {}, h('a', {href: '#/jobs'}, 'All jobs')), h('h1', {}, 'Job ' + id));
  const status = h('div', {id: 'job-status', 'aria-live': 'polite'});
  const body = h('div', {id: 'job-detail'});
  main.append(status, body);

  let job;
  try {
    job = await api('GET', '/api/v1/jobs/' + encodeURIComponent(id));
  } catch (e) {
    context.fail(body, e);
    return;
  }
  draw(job);

  function draw(job) {
    replace(body);
    const facts = [
      ['Repository', job.repo],
      ['Issue', external(job.issueUrl, '#' + job.issue + (job.title ? ' ' + job.title : ''))],
      ['State', h('span', {id: 'job-state', 'data-state': job.state}, job.state)],
      ['Trigger', job.trigger + ' by ' + job.requester],
      ['Branch', job.branch || '—'],
      ['Pull request', job.pullRequest > 0 ? external(job.pullUrl, '#' + job.pullRequest) : 'none yet'],
      ['Commit', job.commit ? job.commit.slice(0, 12) : '—'],
      ['Tokens', job.tokens.toLocaleString('en')],
      ['Cost', money(job.costUsd)],
      ['Created', when(job.createdAt)],
      ['Updated', when(job.updatedAt)],
    ];
    if (job.error) facts.push(['Error', h('span', {id: 'job-error'}, job.error)]);
    body.append(h('dl', {class: 'facts', id: 'job-facts'}, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));

    if (canCancel && !TERMINAL.includes(job.state)) {
      body.append(h('div', {class: 'actions'}, h('button', {
        type: 'button', id: 'job-cancel', class: 'danger', onclick: () => cancel(job),
      }, 'Cancel job')));
    }

    body.append(h('h2', {}, 'Timeline'));
    if (job.steps.length === 0) {
      body.append(message('status', 'No step has run yet.'));
      return;
    }
    const steps = table('Steps of job ' + job.id + ' in order',
      ['Step', 'Started', 'Duration', 'Tokens in / out', 'Cost', 'Model', 'Where', 'Outcome', 'Detail'],
      job.steps.map((step) => [
        step.name,
        when(step.startedAt),
        duration(step.millis),
        step.inputTokens || step.outputTokens ? step.inputTokens + ' / ' + step.outputTokens : '',
        step.costUsd ? money(step.costUsd) : '',
        step.model || '—',
        step.model ? (step.local ? 'local' : 'external') : '',
        step.outcome,
        step.detail,
      ]));
    steps.id = 'job-steps';
    body.append(steps);
    const models = [...new Set(job.steps.filter((s) => s.model).map((s) => s.model + (s.local ? ' (local)' : ' (external)')))];
    body.append(h('p', {id: 'job-models'}, models.length
      ? 'The code was seen by: ' + models.join(', ') + '.' : 'No model has seen the code of this job.'));
  }

  async function cancel(job) {
    if (!window.confirm('Cancel job ' + job.id + ' (' + job.repo + ' #' + job.issue + ')? A running job stops '
      + 'before its next step and pushes nothing after.')) {
      return;
    }
    replace(status);
    let answer;
    try {
      answer = await api('POST', '/api/v1/jobs/' + encodeURIComponent(job.id) + '/cancel');
    } catch (e) {
      context.fail(status, e);
      return;
    }
    status.append(message('ok', 'Job ' + answer.id + ' is now ' + answer.state + '.'));
    draw(answer);
  }
}
