// Dashboard: version and who is signed in, the appliance's health (/observe/health), and — each for the roles
// whose API allows it — jobs and pull requests per day, tokens and cost by provider and model, index freshness per
// repository, policy denials, and GitHub's rate-limit budget per credential.
import {api, ApiError} from './api.js';
import {h, message, table} from './dom.js';
import {stackedBars} from './chart.js';

const DAY = 24 * 3600 * 1000;
const DAYS = 14;

function isoDay(time) {
  return new Date(time).toISOString().slice(0, 10);
}

function lastDays() {
  const days = [];
  for (let i = DAYS - 1; i >= 0; i--) days.push(isoDay(Date.now() - i * DAY));
  return days;
}

function ago(iso) {
  if (!iso) return 'never';
  const minutes = Math.round((Date.now() - Date.parse(iso)) / 60000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return minutes + ' min ago';
  const hours = Math.round(minutes / 60);
  return hours < 48 ? hours + ' h ago' : Math.round(hours / 24) + ' days ago';
}

export async function render(context) {
  const {main, me} = context;
  const has = (...roles) => roles.some((role) => me.roles.includes(role));
  main.append(h('h1', {}, 'Dashboard'));
  // Every part's API call starts at once; each draws into its own place, so the page keeps its order.
  const facts = h('div', {});
  const checks = h('div', {});
  main.append(facts, checks);
  const versionDrawn = api('GET', '/api/v1/version').then((version) => {
    facts.append(h('dl', {class: 'facts', id: 'version'},
      h('dt', {}, 'Version'), h('dd', {}, version.version),
      h('dt', {}, 'Store schema'), h('dd', {}, String(version.storeSchemaVersion)),
      h('dt', {}, 'Signed in as'), h('dd', {}, me.subject + ' (' + me.roles.join(', ') + ') in ' + me.tenant)));
  }, (e) => context.fail(facts, e));
  const healthDrawn = health(checks);
  /** One section: its heading, then what `fill` draws; a 403 (role) leaves the section out. */
  const section = async (id, title, fill) => {
    const box = h('section', {id, 'aria-labelledby': id + '-title'}, h('h2', {id: id + '-title'}, title));
    main.append(box);
    try {
      await fill(box);
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) box.remove();
      else context.fail(box, e);
    }
  };
  const readers = has('admin', 'operator', 'member', 'auditor');
  const llmReaders = has('superadmin', 'admin', 'operator', 'auditor');
  // The sections are placed in order at once and filled in parallel with the facts and health above.
  await Promise.all([
    readers && section('dash-jobs', 'Jobs and pull requests, last ' + DAYS + ' days', jobs),
    llmReaders && section('dash-usage', 'Tokens and cost by provider and model, last ' + DAYS + ' days', usage),
    readers && section('dash-index', 'Index freshness', freshness),
    has('superadmin', 'admin', 'auditor') && section('dash-denials', 'Policy denials', denials),
    llmReaders && section('dash-rate', 'GitHub rate-limit budget', rateLimits),
    versionDrawn,
    healthDrawn,
  ]);
}

async function health(main) {
  main.append(h('h2', {}, 'Health'));
  let document;
  try {
    // A failing check answers 503 with the same document.
    const response = await fetch('/observe/health', {headers: {Accept: 'application/json'}, cache: 'no-store'});
    document = await response.json();
  } catch (e) {
    main.append(message('error', 'The health endpoint cannot be reached.'));
    return;
  }
  main.append(h('p', {id: 'health-status', class: document.status === 'UP' ? 'up' : 'down'},
    'Overall: ' + document.status));
  const rows = (document.checks || []).map((check) => [
    check.name,
    h('span', {class: check.status === 'UP' ? 'up' : 'down'}, check.status),
    Object.entries(check.data || {}).map(([key, value]) => key + ': ' + value).join('; '),
  ]);
  main.append(table('Health checks', ['Check', 'Status', 'Detail'], rows));
}

async function jobs(box) {
  const list = (await api('GET', '/api/v1/jobs')).jobs;
  const days = lastDays();
  const perDay = (pick) => days.map((day) => list.filter((j) => pick(j) && j.createdAt.slice(0, 10) === day).length);
  const opened = perDay((j) => !j.pullRequest);
  const withPr = perDay((j) => j.pullRequest);
  const total = list.filter((j) => days.includes(j.createdAt.slice(0, 10)));
  box.append(h('p', {id: 'dash-jobs-summary'}, total.length + ' job(s), ' + total.filter((j) => j.pullRequest).length
    + ' with a pull request, ' + total.filter((j) => j.state === 'failed').length + ' failed.'));
  box.append(stackedBars('Jobs per day (with and without a pull request)', days,
    [{name: 'with a pull request', values: withPr}, {name: 'no pull request (yet)', values: opened}], String));
}

async function usage(box) {
  const days = lastDays();
  const answer = await api('GET', '/api/v1/llm/usage?by=model&from=' + days[0] + '&to=' + days[days.length - 1]);
  if (answer.points.length === 0) {
    box.append(h('p', {}, 'No model call in these days.'));
    return;
  }
  const models = [...new Set(answer.points.map((p) => p.key))].sort();
  const totals = models.map((model) => {
    const points = answer.points.filter((p) => p.key === model);
    const sum = (f) => points.reduce((s, p) => s + f(p), 0);
    return {model, calls: sum((p) => p.calls), tokens: sum((p) => p.inputTokens + p.outputTokens),
      cost: sum((p) => p.costUsd)};
  });
  box.append(stackedBars('Tokens per day by model', days, models.map((model) => ({
    name: model,
    values: days.map((day) => answer.points.filter((p) => p.day === day && p.key === model)
      .reduce((s, p) => s + p.inputTokens + p.outputTokens, 0)),
  })), (n) => n.toLocaleString('en')));
  box.append(table('Totals by provider and model', ['Provider', 'Model', 'Calls', 'Tokens', 'Cost (USD)'],
    totals.map((t) => [t.model.split('/')[0], t.model, t.calls.toLocaleString('en'), t.tokens.toLocaleString('en'),
      t.cost.toFixed(4)])));
}

async function freshness(box) {
  const repos = (await api('GET', '/api/v1/repos')).repositories;
  if (repos.length === 0) {
    box.append(h('p', {}, 'No repository yet.'));
    return;
  }
  box.append(table('Index state per repository', ['Repository', 'State', 'Last indexed', 'Files', 'Commit'],
    repos.map((r) => [r.fullName, r.index.state, ago(r.index.finishedAt),
      r.index.filesDone + ' / ' + r.index.filesTotal, (r.index.commit || '').slice(0, 12) || '—'])));
}

async function denials(box) {
  const page = await api('GET', '/api/v1/audit?action=llm.chat&limit=1000');
  const denied = page.entries.filter((e) => e.outcome === 'DENIED' || e.outcome === 'denied');
  box.append(h('p', {id: 'dash-denials-count'}, denied.length + ' of ' + page.entries.length
    + ' model call(s) in the audit log (up to 1,000 read) were denied by the routing policy.'));
  if (denied.length > 0) {
    box.append(table('Denials (up to 10)', ['Time', 'Rule', 'Repository', 'Reason'], denied.slice(0, 10).map((e) => [
      e.time, e.target, (e.fields || {}).repo || '', (e.fields || {}).reason || ''])));
  }
}

async function rateLimits(box) {
  const budgets = (await api('GET', '/api/v1/github/rate-limits')).budgets;
  if (budgets.length === 0) {
    box.append(h('p', {}, 'No answer from GitHub since the start.'));
    return;
  }
  box.append(table('Remaining requests per credential', ['Credential', 'Remaining', '', 'Resets'], budgets.map((b) => [
    b.scope, b.remaining.toLocaleString('en') + ' of ' + b.limit.toLocaleString('en'),
    h('meter', {min: 0, max: b.limit || 1, value: b.remaining, 'aria-label': 'Remaining requests of ' + b.scope}),
    b.reset])));
}
