// First-run setup wizard. Steps 1–3 (setup token, first administrator, first tenant) end in one POST /api/v1/setup
// (the token is consumed only when everything is valid); the wizard then signs the new administrator in and goes on:
// 4 the GitHub App (created on GitHub from its manifest, or one entered by hand), 5 a model provider (key and
// connection test), 6 the repositories to index, 7 done, with a check of each step. Steps 4–6 can be skipped and
// are offered again to a superadmin who opens #/setup later.
import {api, ApiError} from './api.js';
import {field, h, message, replace, table} from './dom.js';

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const TENANT = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MIN_PASSWORD = 12;
const STEPS = 7;

export async function render(context) {
  const {main} = context;
  document.title = 'Setup · MagiCode Appliance';
  const answers = {token: '', username: '', password: '', tenant: ''};
  /** What the later steps did, for the done page. */
  const done = {provider: null, repos: []};
  const body = h('div', {id: 'setup'});
  main.append(h('h1', {}, 'Set up the appliance'), body);

  const firstSteps = [
    {
      title: 'Setup token',
      help: 'The server printed a one-time setup token at its first start (also in DATA_DIR/setup-token).',
      fields: () => [field('Setup token', {name: 'token', autocomplete: 'off', required: true, value: answers.token})],
      check: (values) => values.token.trim() === '' ? 'Enter the setup token.' : null,
    },
    {
      title: 'First administrator',
      help: 'A local (break-glass) user with the superadmin and admin roles.',
      fields: () => [
        field('Username', {name: 'username', autocomplete: 'username', required: true, value: answers.username}),
        field('Password (at least ' + MIN_PASSWORD + ' characters)', {
          name: 'password', type: 'password', autocomplete: 'new-password', required: true,
        }),
        field('Repeat the password', {name: 'repeat', type: 'password', autocomplete: 'new-password', required: true}),
      ],
      check: (values) => {
        if (!USERNAME.test(values.username)) return 'The username is 1 to 64 letters, digits and . _ @ -.';
        if (values.password.length < MIN_PASSWORD) return 'The password needs at least ' + MIN_PASSWORD + ' characters.';
        if (values.password !== values.repeat) return 'The two passwords differ.';
        return null;
      },
    },
    {
      title: 'First tenant',
      help: 'Tenants keep repositories, secrets and audit entries apart. The administrator belongs to this one.',
      fields: () => [field('Tenant name', {name: 'tenant', autocomplete: 'off', required: true, value: answers.tenant})],
      check: (values) => TENANT.test(values.tenant)
        ? null : 'A tenant name is 1 to 63 lower-case letters, digits and inner dashes.',
    },
  ];

  /** One step's frame: the form with its number, title, help, content, status line and buttons. */
  function frame(number, title, help, content, {next = 'Next', skip = false, back = null} = {}) {
    const status = h('div', {id: 'setup-status'});
    const form = h('form', {id: 'setup-form', 'data-step': number, novalidate: true},
      h('p', {class: 'steps'}, 'Step ' + number + ' of ' + STEPS),
      h('h2', {}, title), help ? h('p', {}, help) : null, content, status,
      h('div', {class: 'actions'},
        back ? h('button', {type: 'button', id: 'setup-back', onclick: back}, 'Back') : null,
        next ? h('button', {type: 'submit', id: 'setup-next'}, next) : null,
        skip ? h('button', {type: 'button', id: 'setup-skip', class: 'secondary', onclick: skip}, 'Skip this step')
          : null));
    form.status = status;
    replace(body, form);
    return form;
  }

  function drawFirst(index, error) {
    const step = firstSteps[index];
    const fields = step.fields();
    const form = frame(index + 1, step.title, step.help, fields, {
      next: index === firstSteps.length - 1 ? 'Create the administrator and tenant' : 'Next',
      back: index > 0 ? () => drawFirst(index - 1) : null,
    });
    if (error) form.status.append(message('error', error));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = {};
      for (const wrapper of fields) values[wrapper.input.name] = wrapper.input.value;
      const problem = step.check(values);
      if (problem) {
        form.status.replaceChildren(message('error', problem));
        return;
      }
      delete values.repeat;
      Object.assign(answers, values);
      if (index < firstSteps.length - 1) drawFirst(index + 1);
      else await finishFirst(form.status);
    });
    fields[0].input.focus();
  }

  async function finishFirst(status) {
    try {
      await api('POST', '/api/v1/setup', {
        token: answers.token.trim(), username: answers.username, password: answers.password, tenant: answers.tenant,
      });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 403) {
        answers.token = '';
        drawFirst(0, e.detail);
      } else {
        status.replaceChildren(message('error', e.detail));
      }
      return;
    }
    context.setupPending = false;
    sessionStorage.setItem('magicode.username', answers.username);
    let session = null;
    try {
      session = await api('POST', '/api/v1/auth/login', {username: answers.username, password: answers.password});
    } catch (e) {
      // Local login may be off by configuration: the administrator signs in on the login page instead.
    }
    answers.password = '';
    if (session === null) {
      replace(body,
        h('h2', {}, 'Setup is done'),
        message('ok', 'The administrator ' + answers.username + ' and the tenant ' + answers.tenant + ' exist.'),
        h('p', {}, 'Sign in to connect GitHub, a model provider and repositories (Setup in the navigation).'),
        h('p', {}, h('a', {class: 'button', id: 'setup-sign-in', href: '#/login'}, 'Sign in')));
      return;
    }
    context.adopt(session);
    await drawGitHub(message('ok', 'The administrator ' + answers.username + ' and the tenant ' + answers.tenant
      + ' exist, and you are signed in.'));
  }

  // --- step 4: the GitHub App ----------------------------------------------------------------------------------

  async function drawGitHub(notice) {
    const content = h('div', {id: 'setup-github'});
    const form = frame(4, 'GitHub App', 'The appliance works on GitHub as a GitHub App: it reads issues, pushes its '
      + 'own branches and opens pull requests. Create one on your GitHub server in two clicks, or enter one you made.',
    content, {next: 'Next', skip: () => drawProvider()});
    if (notice) form.status.append(notice);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      drawProvider();
    });
    const callback = context.manifestCallback;
    context.manifestCallback = null;
    if (callback) {
      try {
        const created = await api('GET', '/api/v1/github/app-manifest/callback?code='
          + encodeURIComponent(callback.code) + '&state=' + encodeURIComponent(callback.state));
        form.status.replaceChildren(message('ok', 'GitHub created the App ' + created.name + ' (id ' + created.appId
          + '). Install it on the organizations whose repositories it should work on, then go on.'));
        if (created.htmlUrl) {
          content.append(h('p', {}, h('a', {href: created.htmlUrl + '/installations/new', id: 'setup-install',
            target: '_blank', rel: 'noopener'}, 'Install the App on GitHub')));
        }
      } catch (e) {
        context.fail(form.status, e);
      }
    }
    let state;
    try {
      state = await api('GET', '/api/v1/github/app');
    } catch (e) {
      context.fail(form.status, e);
      return;
    }
    if (state.registered) {
      content.append(h('p', {id: 'setup-app-state', class: 'up'}, 'A GitHub App is registered (id ' + state.appId
        + ')' + (state.webhookSecret ? ', with its webhook secret.' : '; no webhook secret is stored.')));
      content.append(h('p', {}, 'GitHub API: ' + state.apiUrl));
    }
    content.append(manifestForm(form.status), existingForm(form.status));
  }

  function manifestForm(status) {
    const organization = field('Organization (empty: your own account)', {name: 'organization', autocomplete: 'off'});
    const name = field('App name on GitHub', {name: 'app-name', autocomplete: 'off', value: 'MagiCode'});
    const create = h('button', {type: 'button', id: 'setup-create-app', onclick: async () => {
      status.replaceChildren();
      let answer;
      try {
        answer = await api('GET', '/api/v1/github/app-manifest?organization='
          + encodeURIComponent(organization.input.value.trim()) + '&name=' + encodeURIComponent(name.input.value.trim()));
      } catch (e) {
        context.fail(status, e);
        return;
      }
      // GitHub's manifest flow: a form post of the manifest; GitHub sends the browser back to /setup/github-app.
      const post = h('form', {method: 'post', action: answer.createUrl, hidden: true},
        h('input', {type: 'hidden', name: 'manifest', value: JSON.stringify(answer.manifest)}));
      document.body.append(post);
      post.submit();
    }}, 'Create the App on GitHub');
    return h('section', {'aria-labelledby': 'setup-manifest-title'},
      h('h3', {id: 'setup-manifest-title'}, 'Create a new App'),
      h('p', {}, 'GitHub asks you to confirm, then sends you back here.'), organization, name,
      h('div', {class: 'actions'}, create));
  }

  function existingForm(status) {
    const appId = field('App id', {name: 'app-id', inputmode: 'numeric', autocomplete: 'off'});
    const key = field('Private key (PEM)', {name: 'private-key', tag: 'textarea', rows: 4, autocomplete: 'off',
      spellcheck: 'false'});
    const secret = field('Webhook secret', {name: 'webhook-secret', type: 'password', autocomplete: 'off'});
    const save = h('button', {type: 'button', id: 'setup-save-app', onclick: async () => {
      status.replaceChildren();
      const request = {appId: Number(appId.input.value), privateKey: key.input.value, webhookSecret: secret.input.value};
      // Write-only: the key and secret leave the page now and are never shown again.
      key.input.value = '';
      secret.input.value = '';
      try {
        const state = await api('PUT', '/api/v1/github/app', request);
        status.append(message('ok', 'The App ' + state.appId + ' is stored in the vault.'));
      } catch (e) {
        context.fail(status, e);
      }
    }}, 'Store this App');
    return h('section', {'aria-labelledby': 'setup-existing-title'},
      h('h3', {id: 'setup-existing-title'}, 'Or enter an existing App'),
      h('p', {}, 'From the App\'s settings page on GitHub. The key and the secret are stored in the vault and never '
        + 'shown again.'), appId, key, secret, h('div', {class: 'actions'}, save));
  }

  // --- step 5: a model provider --------------------------------------------------------------------------------

  async function drawProvider() {
    const content = h('div', {id: 'setup-providers'});
    const form = frame(5, 'Model provider', 'The models that plan and write the changes. Providers are configured '
      + 'in the appliance\'s settings (llm.NAME.enabled, base URL); here you give one its API key and test it.',
    content, {skip: () => drawRepos(), back: () => drawGitHub()});
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      drawRepos();
    });
    let answer;
    try {
      answer = await api('GET', '/api/v1/llm/providers');
    } catch (e) {
      context.fail(form.status, e);
      return;
    }
    if (answer.airGapped) {
      content.append(message('info', 'Air-gapped mode is on: only local providers can be reached.'));
    }
    const results = {};
    const rows = answer.providers.map((p) => {
      results[p.name] = h('span', {'data-provider': p.name, class: 'provider-test'}, '');
      return [
        p.name, p.enabled ? 'enabled' : 'off', p.local ? 'local' : 'external', p.baseUrl,
        p.keyStored ? 'stored' : '—', p.chatModels.join(', ') || '—',
        h('span', {}, p.enabled ? h('button', {type: 'button', class: 'test-provider', 'data-provider': p.name,
          onclick: () => test(p.name)}, 'Test connection') : null, ' ', results[p.name]),
      ];
    });
    content.append(table('Providers', ['Provider', 'State', 'Where', 'Base URL', 'API key', 'Chat models', 'Test'], rows));

    async function test(name) {
      replace(results[name], 'testing…');
      try {
        const result = await api('POST', '/api/v1/llm/providers/' + encodeURIComponent(name) + '/test');
        done.provider = result;
        replace(results[name], h('span', {class: result.ok ? 'up' : 'down'},
          result.ok ? 'answered (' + result.model + ', ' + result.millis + ' ms)' : 'failed: ' + result.detail));
      } catch (e) {
        replace(results[name]);
        context.fail(form.status, e);
      }
    }

    const external = answer.providers.filter((p) => !p.local);
    const provider = field('Provider', {name: 'provider', tag: 'select'});
    for (const p of external) provider.input.append(h('option', {value: p.name}, p.name));
    const key = field('API key', {name: 'api-key', type: 'password', autocomplete: 'off'});
    const store = h('button', {type: 'button', id: 'setup-store-key', onclick: async () => {
      const name = provider.input.value;
      const value = key.input.value;
      key.input.value = '';
      try {
        await api('PUT', '/api/v1/llm/providers/' + encodeURIComponent(name) + '/key', {apiKey: value});
        form.status.replaceChildren(message('ok', 'The key of ' + name + ' is stored in the vault.'));
        if (results[name] && answer.providers.find((p) => p.name === name).enabled) await test(name);
      } catch (e) {
        context.fail(form.status, e);
      }
    }}, 'Store the key');
    content.append(h('section', {'aria-labelledby': 'setup-key-title'},
      h('h3', {id: 'setup-key-title'}, 'API key of an external provider'),
      h('p', {}, 'Stored in the vault; never shown again. Local providers (Ollama) need none.'),
      provider, key, h('div', {class: 'actions'}, store)));
  }

  // --- step 6: repositories ------------------------------------------------------------------------------------

  async function drawRepos() {
    const content = h('div', {id: 'setup-repos'});
    const form = frame(6, 'Repositories', 'Once the App is installed, GitHub tells the appliance which repositories it '
      + 'may work on. Connect the installation to your tenant and pick the repositories to index now.',
    content, {next: 'Index the selected and finish', skip: () => drawDone(), back: () => drawProvider()});
    const me = context.me;
    let timer = null;
    const refresh = async () => {
      let installations;
      let repos;
      try {
        installations = (await api('GET', '/api/v1/github/installations')).installations;
        repos = (await api('GET', '/api/v1/repos')).repositories;
      } catch (e) {
        replace(content);
        context.fail(content, e);
        return;
      }
      const checked = new Set([...content.querySelectorAll('input[name=repo]:checked')].map((i) => i.value));
      replace(content);
      if (installations.length === 0) {
        content.append(h('p', {id: 'setup-waiting'}, 'No installation has reached the appliance yet. Install the App '
          + 'on GitHub; this list refreshes by itself.'));
      } else {
        content.append(table('Installations', ['Installation', 'Account', 'Tenant', ''], installations.map((i) => [
          String(i.id), i.account, i.tenant || '—',
          i.tenant ? '' : h('button', {type: 'button', class: 'connect', 'data-installation': i.id,
            onclick: async () => {
              try {
                await api('PUT', '/api/v1/github/installations/' + i.id + '/tenant', {tenant: me.tenant});
                await refresh();
              } catch (e) {
                context.fail(form.status, e);
              }
            }}, 'Connect to ' + me.tenant),
        ])));
      }
      if (repos.length > 0) {
        const list = h('fieldset', {id: 'setup-repo-list'}, h('legend', {}, 'Repositories of ' + me.tenant));
        for (const r of repos) {
          const id = 'repo-' + r.id;
          list.append(h('div', {class: 'check'},
            h('input', {type: 'checkbox', name: 'repo', id, value: r.id, checked: checked.has(String(r.id))}),
            ' ', h('label', {for: id}, r.fullName), ' · ' + r.index.state));
        }
        content.append(list);
      }
      content.append(h('div', {class: 'actions'},
        h('button', {type: 'button', id: 'setup-refresh', class: 'secondary', onclick: () => refresh()}, 'Refresh')));
      clearTimeout(timer);
      if (repos.length === 0 && content.isConnected) timer = setTimeout(() => content.isConnected && refresh(), 2000);
    };
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearTimeout(timer);
      const chosen = [...content.querySelectorAll('input[name=repo]:checked')];
      done.repos = [];
      for (const input of chosen) {
        try {
          await api('POST', '/api/v1/repos/' + encodeURIComponent(input.value) + '/index');
          done.repos.push({id: input.value, name: input.labels[0].textContent});
        } catch (e) {
          context.fail(form.status, e);
          return;
        }
      }
      await drawDone();
    });
    await refresh();
  }

  // --- step 7: done ------------------------------------------------------------------------------------------------

  async function drawDone() {
    const checks = h('ul', {id: 'setup-checks', class: 'checks'});
    const form = frame(7, 'Setup is done', 'Each part of the setup, checked now:', checks, {next: null});
    const check = (name, ok, text) => checks.append(
      h('li', {'data-check': name}, h('span', {class: ok ? 'up' : 'down'}, ok ? 'OK' : 'Missing'), ' ', text));
    const me = context.me;
    check('admin', true, 'Administrator ' + me.subject + ' in tenant ' + me.tenant + '.');
    try {
      const app = await api('GET', '/api/v1/github/app');
      check('github', app.registered, app.registered ? 'GitHub App ' + app.appId + ' registered.'
        : 'No GitHub App yet (step 4).');
    } catch (e) {
      context.fail(form.status, e);
    }
    if (done.provider) {
      check('provider', done.provider.ok, done.provider.ok
        ? done.provider.provider + ' answered (' + done.provider.model + ').'
        : done.provider.provider + ' did not answer: ' + done.provider.detail);
    } else {
      check('provider', false, 'No provider tested (step 5).');
    }
    if (done.repos.length === 0) {
      check('repos', false, 'No repository picked for indexing (step 6).');
    }
    for (const repo of done.repos) {
      try {
        const status = await api('GET', '/api/v1/repos/' + encodeURIComponent(repo.id) + '/index');
        check('repo', true, repo.name + ': ' + status.state + '.');
      } catch (e) {
        check('repo', false, repo.name + ': ' + e.detail);
      }
    }
    try {
      const response = await fetch('/observe/health', {headers: {Accept: 'application/json'}, cache: 'no-store'});
      const health = await response.json();
      check('health', health.status === 'UP', 'Appliance health: ' + health.status + '.');
    } catch (e) {
      check('health', false, 'The health endpoint cannot be reached.');
    }
    form.append(h('p', {}, h('a', {class: 'button', id: 'setup-dashboard', href: '#/dashboard'}, 'Open the dashboard'),
      ' ', h('a', {href: '#/repos'}, 'Watch the indexing on the Repositories page')));
  }

  const me = context.me;
  if (me !== null && !context.setupPending) {
    if (me.roles.includes('superadmin')) {
      await drawGitHub();
    } else {
      main.append(message('error', 'Setup is done; only a superadmin can change the GitHub App and providers.'));
    }
    return;
  }
  drawFirst(0);
}


