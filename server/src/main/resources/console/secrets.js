// Secrets of the signed-in tenant: names, versions and fingerprints; create, replace (a new version) and
// delete. Values are write-only: the API never returns one, and the form forgets it once sent.
import {api} from './api.js';
import {field, h, message, replace, table} from './dom.js';

export async function render(context) {
  const {main} = context;
  main.append(h('h1', {}, 'Secrets'),
    h('p', {}, 'Values are write-only: once stored they are never shown again, only their fingerprint.'));
  const status = h('div', {id: 'secrets-status'});
  const list = h('div', {id: 'secrets-list'});
  const name = field('Name', {name: 'name', autocomplete: 'off', required: true,
    pattern: '[a-z0-9][a-z0-9._-]{0,99}'});
  const value = field('Value', {name: 'value', type: 'password', autocomplete: 'off', required: true});
  const form = h('form', {id: 'secret-form'}, h('h2', {}, 'Store a secret'),
    h('p', {}, 'Storing under an existing name adds a new version.'),
    name, value, h('button', {type: 'submit'}, 'Store'));
  main.append(status, list, form);

  async function load() {
    let answer;
    try {
      answer = await api('GET', '/api/v1/secrets');
    } catch (e) {
      replace(list);
      context.fail(list, e);
      return;
    }
    replace(list);
    if (answer.secrets.length === 0) {
      list.append(message('ok', 'No secrets yet.'));
      return;
    }
    list.append(table('Secrets', ['Name', 'Version', 'Versions kept', 'Created', 'Rotated', 'Fingerprint', 'Actions'],
      answer.secrets.map((secret) => [
        secret.name,
        String(secret.version),
        String(secret.versions),
        secret.created,
        secret.rotated || '—',
        h('code', {}, secret.fingerprint),
        h('span', {class: 'row-actions'},
          h('button', {type: 'button', 'data-secret': secret.name, class: 'replace', onclick: () => {
            name.input.value = secret.name;
            value.input.focus();
          }}, 'Replace value'),
          deleteButton(secret.name)),
      ])));
  }

  function deleteButton(secretName) {
    const button = h('button', {type: 'button', class: 'danger delete', 'data-secret': secretName}, 'Delete');
    button.addEventListener('click', async () => {
      if (button.dataset.confirm !== 'yes') {
        button.dataset.confirm = 'yes';
        button.textContent = 'Really delete ' + secretName + '?';
        return;
      }
      status.replaceChildren();
      try {
        await api('DELETE', '/api/v1/secrets/' + encodeURIComponent(secretName));
        status.append(message('ok', 'Deleted ' + secretName + '.'));
      } catch (e) {
        context.fail(status, e);
      }
      await load();
    });
    return button;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    const secretName = name.input.value.trim();
    const secretValue = value.input.value;
    value.input.value = '';
    try {
      const info = await api('PUT', '/api/v1/secrets/' + encodeURIComponent(secretName), {value: secretValue});
      status.append(message('ok', 'Stored ' + info.name + ' version ' + info.version + ' (fingerprint ' + info.fingerprint + ').'));
      name.input.value = '';
    } catch (e) {
      context.fail(status, e);
    }
    await load();
  });
  await load();
}
