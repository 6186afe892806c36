// The console shell: who is signed in, the navigation allowed for their roles, a hash router, and one
// way to show errors (401 back to sign-in, 403 "not allowed for your role", else the problem's detail).
import {api, ApiError, setCsrf} from './api.js';
import {h, message, replace} from './dom.js';
import * as login from './login.js';
import * as setup from './setup.js';
import * as dashboard from './dashboard.js';
import * as repos from './repos.js';
import * as jobs from './jobs.js';
import * as audit from './audit.js';
import * as policies from './policies.js';
import * as models from './models.js';
import * as usage from './usage.js';
import * as secrets from './secrets.js';
import * as tokens from './tokens.js';
import * as tenants from './tenants.js';
import * as users from './users.js';
import * as system from './system.js';
import * as privacy from './privacy.js';
import * as mydata from './mydata.js';

const PUBLIC = {login, setup};
const PAGES = [
  {id: 'dashboard', title: 'Dashboard', page: dashboard, roles: null},
  {id: 'repos', title: 'Repositories', page: repos, roles: ['admin', 'operator', 'member', 'auditor']},
  {id: 'jobs', title: 'Jobs', page: jobs, roles: ['admin', 'operator', 'member', 'auditor']},
  {id: 'policies', title: 'Policies', page: policies, roles: ['superadmin', 'admin', 'operator', 'auditor']},
  {id: 'models', title: 'Models', page: models, roles: null},
  {id: 'usage', title: 'Usage', page: usage, roles: ['superadmin', 'admin', 'operator', 'auditor']},
  {id: 'audit', title: 'Audit log', page: audit, roles: ['auditor', 'admin', 'superadmin']},
  {id: 'secrets', title: 'Secrets', page: secrets, roles: ['admin']},
  {id: 'users', title: 'Users', page: users, roles: ['admin', 'superadmin']},
  {id: 'tokens', title: 'API tokens', page: tokens, roles: null},
  {id: 'tenants', title: 'Tenants', page: tenants, roles: ['superadmin']},
  {id: 'system', title: 'System', page: system, roles: ['superadmin']},
  {id: 'privacy', title: 'Privacy', page: privacy, roles: ['admin', 'superadmin']},
  {id: 'my-data', title: 'My data', page: mydata, roles: null},
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const banner = document.getElementById('banner');
let me = null;
/** Whether air-gapped mode is on (from /api/v1/llm/models), null until known; shown on every page. */
let airGapped = null;
let notice = null;

const context = {
  main,
  sso: document.body.dataset.sso === 'true',
  /** Whether first-run setup was pending when the page loaded (the wizard clears it when done). */
  setupPending: document.body.dataset.setup === 'pending',
  get me() {
    return me;
  },
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  /** Remembers a message for the next page drawn (after a redirect). */
  notify(kind, text) {
    notice = {kind, text};
  },
  /** The GitHub App manifest flow's return (`/setup/github-app?code=…&state=…`), for the wizard; else null. */
  manifestCallback: null,
  /** Signed in without leaving the page (the wizard signs the new administrator in). */
  adopt(answer) {
    me = answer;
    setCsrf(answer.csrfToken);
    drawChrome('setup');
  },
  /** Signed in: remembers who and the CSRF token, then opens the dashboard. */
  async signedIn(answer) {
    me = answer;
    setCsrf(answer.csrfToken);
    context.go('#/dashboard');
  },
  async signOut() {
    try {
      if (me && me.subject.startsWith('local:')) {
        await api('POST', '/api/v1/auth/logout');
        finishSignOut('/');
      } else {
        const answer = await api('POST', '/auth/logout');
        finishSignOut(answer.logoutUrl);
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) finishSignOut('/');
      else context.fail(main, e);
    }
  },
  /** Shows an error in `container`; an expired session goes back to sign-in. */
  fail(container, error) {
    if (!(error instanceof ApiError)) {
      container.append(message('error', 'Something went wrong in the console: ' + error.message));
      throw error;
    }
    if (error.status === 401 && me !== null) {
      me = null;
      setCsrf(null);
      context.notify('error', 'Your session has ended; sign in again.');
      context.go('#/login');
      return;
    }
    const text = error.status === 403 ? 'Not allowed for your role: ' + error.detail : error.detail;
    container.append(message('error', text));
  },
  allowed(roles) {
    return roles === null || (me !== null && roles.some((role) => me.roles.includes(role)));
  },
};

function finishSignOut(next) {
  me = null;
  setCsrf(null);
  context.notify('ok', 'You are signed out.');
  if (next && next !== '/') {
    location.assign(next);
  } else {
    context.go('#/login');
  }
}

async function drawBanner() {
  if (me !== null && airGapped === null) {
    try {
      airGapped = (await api('GET', '/api/v1/llm/models')).airGapped;
    } catch (e) {
      // The banner is a courtesy: the pages report their own errors.
    }
  }
  replace(banner);
  banner.hidden = !(me !== null && airGapped);
  if (!banner.hidden) {
    banner.append('Air-gapped mode is on: only local models are used, and no model call leaves the network.');
  }
}

function drawChrome(current) {
  replace(nav);
  replace(who);
  if (me === null) {
    airGapped = null;
    return;
  }
  const list = h('ul', {});
  for (const entry of PAGES.filter((p) => context.allowed(p.roles))) {
    list.append(h('li', {}, h('a', {
      href: '#/' + entry.id,
      'aria-current': entry.id === current ? 'page' : undefined,
    }, entry.title)));
  }
  nav.append(list);
  who.append(
    h('span', {id: 'who-name'}, me.subject + ' · ' + me.tenant + ' · ' + me.roles.join(', ')),
    h('button', {type: 'button', id: 'sign-out', onclick: () => context.signOut()}, 'Sign out'));
}

async function route() {
  const hash = location.hash;
  const id = (location.hash.replace(/^#\/?/, '') || 'dashboard').split('?')[0];
  const publicPage = PUBLIC[id];
  const entry = PAGES.find((p) => p.id === id);
  if (me === null && context.setupPending && id !== 'setup') {
    context.go('#/setup');
    return;
  }
  if (!publicPage && me === null) {
    context.go('#/login');
    return;
  }
  drawChrome(id);
  // The banner's answer (air-gapped or not) is fetched while the page draws, not before it.
  const bannerDrawn = drawBanner();
  replace(main);
  if (notice) {
    main.append(message(notice.kind, notice.text));
    notice = null;
  }
  if (publicPage) {
    await publicPage.render(context);
  } else if (!entry) {
    main.append(h('h1', {}, 'Not found'), message('error', 'There is no console page ' + id + '.'));
  } else {
    document.title = entry.title + ' · MagiCode Appliance';
    if (context.allowed(entry.roles)) {
      await entry.page.render(context);
    } else {
      main.append(h('h1', {}, entry.title), message('error', 'Not allowed for your role.'));
    }
  }
  await bannerDrawn;
  // Marks the page drawn (tests wait on it), unless the page sent the browser elsewhere meanwhile.
  if (location.hash === hash) main.dataset.page = id;
  // The first page drawn marks the console interactive (the browser test reads it for docs/performance.md).
  if (performance.getEntriesByName('console-interactive').length === 0) performance.mark('console-interactive');
}

async function start() {
  if (location.pathname === '/setup/github-app') {
    // GitHub sent the browser back after creating the App: the wizard finishes the manifest flow.
    const params = new URLSearchParams(location.search);
    if (params.has('code') && params.has('state')) {
      context.manifestCallback = {code: params.get('code'), state: params.get('state')};
    }
    history.replaceState(null, '', '/#/setup');
  }
  const version = document.body.dataset.version;
  replace(document.getElementById('footer'), 'MagiCode Appliance ' + version + ' · ', h('a', {href: '/openapi'}, 'API'));
  try {
    const answer = await api('GET', '/api/v1/auth/me');
    me = answer;
    setCsrf(answer.csrfToken);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) {
      context.notify('error', e.detail || e.message);
    }
  }
  window.addEventListener('hashchange', () => route().catch((e) => context.fail(main, e)));
  await route().catch((e) => context.fail(main, e));
}

start();
