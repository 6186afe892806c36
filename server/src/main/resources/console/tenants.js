// Tenants, for the superadmin: list, create, enable and disable.
import {api} from './api.js';
import {field, h, message, replace, table} from './dom.js';

export async function render(context) {
  const {main} = context;
  main.append(h('h1', {}, 'Tenants'));
  const status = h('div', {id: 'tenants-status', 'aria-live': 'polite'});
  const list = h('div', {id: 'tenants-list'});
  const name = field('Name', {name: 'name', autocomplete: 'off', required: true});
  const form = h('form', {id: 'tenant-form'}, h('h2', {}, 'Create a tenant'), name,
    h('button', {type: 'submit'}, 'Create tenant'));
  main.append(status, list, form);

  async function load() {
    let answer;
    try {
      answer = await api('GET', '/api/v1/tenants');
    } catch (e) {
      replace(list);
      context.fail(list, e);
      return;
    }
    replace(list, table('Tenants', ['Name', 'State', 'Created', 'Actions'], answer.tenants.map((tenant) => [
      tenant.name,
      tenant.enabled ? 'enabled' : 'disabled',
      tenant.createdAt,
      h('button', {type: 'button', 'data-tenant': tenant.name, class: tenant.enabled ? 'danger' : '', onclick: () =>
        change('/api/v1/tenants/' + encodeURIComponent(tenant.name) + (tenant.enabled ? '/disable' : '/enable'),
          (tenant.enabled ? 'Disabled ' : 'Enabled ') + tenant.name + '.')},
      tenant.enabled ? 'Disable' : 'Enable'),
    ])));
  }

  async function change(path, done, body) {
    replace(status);
    try {
      await api('POST', path, body);
      status.append(message('ok', done));
    } catch (e) {
      context.fail(status, e);
    }
    await load();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const tenant = name.input.value.trim();
    await change('/api/v1/tenants', 'Created ' + tenant + '.', {name: tenant});
    name.input.value = '';
  });
  await load();
}
