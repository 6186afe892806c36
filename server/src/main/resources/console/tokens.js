// API tokens: the caller's (an admin sees the tenant's), create (the token is shown once), revoke.
import {api} from './api.js';
import {field, h, message, replace, table} from './dom.js';

const ROLES = ['superadmin', 'admin', 'operator', 'auditor', 'member'];

export async function render(context) {
  const {main, me} = context;
  main.append(h('h1', {}, 'API tokens'));
  const status = h('div', {id: 'tokens-status', 'aria-live': 'polite'});
  const list = h('div', {id: 'tokens-list'});
  const name = field('Name', {name: 'name', autocomplete: 'off', required: true, maxlength: 100});
  const days = field('Expires in days', {name: 'expiresInDays', type: 'number', min: 1, value: '90'});
  const kind = field('Kind', {tag: 'select', name: 'kind'});
  kind.input.append(h('option', {value: 'personal'}, 'personal'));
  if (me.roles.includes('admin')) kind.input.append(h('option', {value: 'service'}, 'service'));
  const grantable = ROLES.filter((role) => me.roles.includes(role)
    || (me.roles.includes('admin') && ['operator', 'auditor', 'member'].includes(role)));
  const scopes = h('fieldset', {}, h('legend', {}, 'Scopes (none ticked: your own roles)'),
    grantable.map((role) => h('label', {class: 'check'},
      h('input', {type: 'checkbox', name: 'scope', value: role}), ' ' + role)));
  const form = h('form', {id: 'token-form'}, h('h2', {}, 'Create a token'), name, kind, days, scopes,
    h('button', {type: 'submit'}, 'Create token'));
  main.append(status, list, form);

  async function load() {
    let answer;
    try {
      answer = await api('GET', '/api/v1/tokens');
    } catch (e) {
      replace(list);
      context.fail(list, e);
      return;
    }
    replace(list);
    if (answer.tokens.length === 0) {
      list.append(message('ok', 'No API tokens yet.'));
      return;
    }
    list.append(table('API tokens', ['Name', 'Kind', 'Owner', 'Scopes', 'Created', 'Expires', 'Last used', 'State'],
      answer.tokens.map((token) => [
        token.name, token.kind, token.owner, token.scopes.join(', '), token.createdAt, token.expiresAt,
        token.lastUsedAt || 'never',
        token.revokedAt ? 'revoked ' + token.revokedAt : revokeButton(token),
      ])));
  }

  function revokeButton(token) {
    return h('button', {type: 'button', class: 'danger revoke', 'data-token': token.id, onclick: async () => {
      replace(status);
      try {
        await api('DELETE', '/api/v1/tokens/' + encodeURIComponent(token.id));
        status.append(message('ok', 'Revoked ' + token.name + '.'));
      } catch (e) {
        context.fail(status, e);
      }
      await load();
    }}, 'Revoke');
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(status);
    const body = {name: name.input.value.trim(), kind: kind.input.value, expiresInDays: Number(days.input.value)};
    const ticked = [...scopes.querySelectorAll('input:checked')].map((box) => box.value);
    if (ticked.length > 0) body.scopes = ticked;
    try {
      const created = await api('POST', '/api/v1/tokens', body);
      status.append(h('div', {class: 'once', id: 'new-token'},
        message('ok', 'Created ' + created.name + '. Copy the token now: it is shown only this once.'),
        h('input', {type: 'text', readonly: true, value: created.token, 'aria-label': 'New API token', id: 'new-token-value'})));
      name.input.value = '';
    } catch (e) {
      context.fail(status, e);
    }
    await load();
  });
  await load();
}
