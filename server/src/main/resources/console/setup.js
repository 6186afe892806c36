// First-run setup wizard: the one-time setup token, then the first administrator, then the first tenant;
// one POST /api/v1/setup at the end (the token is consumed only when everything is valid), then sign-in.
import {api, ApiError} from './api.js';
import {field, h, message, replace} from './dom.js';

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const TENANT = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MIN_PASSWORD = 12;

export async function render(context) {
  const {main} = context;
  document.title = 'Setup · MagiCode Appliance';
  const answers = {token: '', username: '', password: '', tenant: ''};
  const body = h('div', {id: 'setup'});
  main.append(h('h1', {}, 'Set up the appliance'), body);

  const steps = [
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

  function draw(index, error) {
    const step = steps[index];
    const fields = step.fields();
    const status = h('div', {id: 'setup-status'}, error ? message('error', error) : null);
    const form = h('form', {id: 'setup-form', 'data-step': index + 1, novalidate: true},
      h('p', {class: 'steps'}, 'Step ' + (index + 1) + ' of ' + steps.length),
      h('h2', {}, step.title), h('p', {}, step.help), fields, status,
      h('div', {class: 'actions'},
        index > 0 ? h('button', {type: 'button', id: 'setup-back', onclick: () => draw(index - 1)}, 'Back') : null,
        h('button', {type: 'submit', id: 'setup-next'}, index === steps.length - 1 ? 'Finish setup' : 'Next')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = {};
      for (const wrapper of fields) values[wrapper.input.name] = wrapper.input.value;
      const problem = step.check(values);
      if (problem) {
        status.replaceChildren(message('error', problem));
        return;
      }
      delete values.repeat;
      Object.assign(answers, values);
      if (index < steps.length - 1) {
        draw(index + 1);
        return;
      }
      await finish(status);
    });
    replace(body, form);
    fields[0].input.focus();
  }

  async function finish(status) {
    try {
      await api('POST', '/api/v1/setup', {
        token: answers.token.trim(), username: answers.username, password: answers.password, tenant: answers.tenant,
      });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 403) {
        answers.token = '';
        draw(0, e.detail);
      } else {
        status.replaceChildren(message('error', e.detail));
      }
      return;
    }
    answers.password = '';
    context.setupPending = false;
    sessionStorage.setItem('magicode.username', answers.username);
    replace(body,
      h('h2', {}, 'Setup is done'),
      message('ok', 'The administrator ' + answers.username + ' and the tenant ' + answers.tenant + ' exist.'),
      h('p', {}, h('a', {class: 'button', id: 'setup-sign-in', href: '#/login'}, 'Sign in')));
  }

  draw(0);
}
