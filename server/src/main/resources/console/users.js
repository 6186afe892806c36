// Users (admins, superadmins): who can sign in to the tenant and with which roles (GET /api/v1/users). Local
// (break-glass) users are managed here: created with a password and roles (POST /api/v1/users), their roles changed
// (PUT …/roles), disabled and enabled (POST …/disable, …/enable) and deleted through the privacy feature's deletion
// (DELETE /api/v1/users/{id}). The server holds the rules (an admin never grants superadmin; the last admin cannot
// remove themselves) and the page shows its answer. SSO users are not stored, so the page shows the provider's role
// mapping rather than a list; API tokens are on their own page.
import {api} from './api.js';
import {field, h, message, replace, table} from './dom.js';

export async function render(context) {
  const {main} = context;
  main.append(h('h1', {}, 'Users and roles'));
  const status = h('div', {id: 'users-status', 'aria-live': 'polite'});
  const local = h('div', {id: 'users-local'});
  const create = h('div', {});
  const change = h('div', {});
  const sso = h('div', {id: 'users-sso'});
  main.append(h('h2', {}, 'Local users'), status, local, create, change, sso);

  async function load() {
    let answer;
    try {
      answer = await api('GET', '/api/v1/users');
    } catch (e) {
      replace(local);
      context.fail(local, e);
      return null;
    }
    replace(local,
      h('p', {}, 'Users with a password on the appliance itself, for break-glass access. Local login is '
        + (answer.localLoginEnabled ? 'on.' : 'off.')),
      answer.localUsers.length === 0
        ? message('ok', 'No local user in ' + answer.tenant + '.')
        : table('Local users of ' + answer.tenant, ['User', 'Roles', 'State', 'Created', 'Actions'],
          answer.localUsers.map((u) => [
            u.username + (u.id === answer.you ? ' (you)' : ''),
            u.roles.join(', '),
            u.enabled ? 'enabled' : 'disabled',
            u.createdAt,
            h('span', {class: 'row-actions'},
              h('button', {type: 'button', class: u.enabled ? 'danger' : '', 'data-user': u.id,
                'data-action': u.enabled ? 'disable' : 'enable', onclick: () => setEnabled(u, !u.enabled)},
              (u.enabled ? 'Disable ' : 'Enable ') + u.username),
              h('button', {type: 'button', class: 'danger', 'data-user': u.id, 'data-action': 'delete',
                onclick: () => remove(u)}, 'Delete ' + u.username)),
          ])));
    // The roles form lists the users as they are now.
    replace(change, rolesForm(answer, act));
    return answer;
  }

  async function act(call, done) {
    replace(status);
    try {
      const answer = await call();
      status.append(message('ok', done(answer)));
    } catch (e) {
      context.fail(status, e);
    }
    await load();
  }

  function setEnabled(user, enabled) {
    const path = '/api/v1/users/' + encodeURIComponent(user.id) + (enabled ? '/enable' : '/disable');
    return act(() => api('POST', path), () => (enabled ? 'Enabled ' : 'Disabled ') + user.username
      + (enabled ? '.' : ': their sessions ended and their API tokens are revoked.'));
  }

  function remove(user) {
    if (!window.confirm('Delete ' + user.username + '? Their account, sessions, API tokens, exports and usage '
      + 'records are erased now.')) {
      return Promise.resolve();
    }
    return act(() => api('DELETE', '/api/v1/users/' + encodeURIComponent(user.id)),
      () => 'Deleted ' + user.username + '.');
  }

  const answer = await load();
  if (!answer) return;
  replace(create, createForm(answer.grantable, act));
  replace(sso, ...ssoSection(answer.sso));
}

/** Checkboxes of the roles the caller may grant, in a fieldset; `checked()` lists the ticked ones. */
function roleChoice(id, legend, grantable) {
  const boxes = grantable.map((role) => h('input', {type: 'checkbox', id: id + '-' + role, value: role}));
  const set = h('fieldset', {id}, h('legend', {}, legend),
    boxes.map((box) => h('span', {class: 'check'}, box, ' ', h('label', {for: box.id}, box.value))));
  set.checked = () => boxes.filter((box) => box.checked).map((box) => box.value);
  set.tick = (roles) => boxes.forEach((box) => { box.checked = roles.includes(box.value); });
  return set;
}

function createForm(grantable, act) {
  const username = field('User name', {name: 'username', autocomplete: 'off', required: true, maxlength: '64'});
  const password = field('Password (at least 12 characters)',
    {name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: '12'});
  const roles = roleChoice('user-create-roles', 'Roles', grantable);
  const form = h('form', {id: 'user-create-form', 'aria-labelledby': 'user-create-title'},
    h('h2', {id: 'user-create-title'}, 'Create a local user'), username, password, roles,
    h('button', {type: 'submit'}, 'Create user'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {username: username.input.value.trim(), password: password.input.value, roles: roles.checked()};
    // The password leaves the page with the request and is not kept in it.
    password.input.value = '';
    await act(() => api('POST', '/api/v1/users', body), (user) => 'Created ' + user.username + ' with roles '
      + user.roles.join(', ') + '.');
    username.input.value = '';
    roles.tick([]);
  });
  return form;
}

function rolesForm(answer, act) {
  const user = field('User', {name: 'rolesUser', tag: 'select', required: true});
  for (const u of answer.localUsers) user.input.append(h('option', {value: u.id}, u.username));
  const roles = roleChoice('user-roles', 'New roles', answer.grantable);
  const current = () => answer.localUsers.find((u) => u.id === user.input.value);
  user.input.addEventListener('change', () => roles.tick(current() ? current().roles : []));
  roles.tick(current() ? current().roles : []);
  const form = h('form', {id: 'user-roles-form', 'aria-labelledby': 'user-roles-title'},
    h('h2', {id: 'user-roles-title'}, 'Change a user\'s roles'),
    h('p', {}, 'Their sessions end, and their API tokens with a role they lose are revoked.'),
    user, roles, h('button', {type: 'submit'}, 'Save roles'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await act(() => api('PUT', '/api/v1/users/' + encodeURIComponent(user.input.value) + '/roles',
      {roles: roles.checked()}), (changed) => changed.username + ' now has roles ' + changed.roles.join(', ') + '.');
  });
  return form;
}

function ssoSection(sso) {
  const parts = [h('h2', {}, 'Single sign-on')];
  if (!sso.configured) {
    parts.push(message('info', 'No OIDC provider is configured (auth.issuer): only local users and API tokens '
      + 'sign in.'));
    return parts;
  }
  parts.push(h('dl', {class: 'facts', id: 'sso-facts'},
    h('dt', {}, 'Provider'), h('dd', {}, sso.issuer),
    h('dt', {}, 'Tenant claim'), h('dd', {}, sso.tenantClaim),
    h('dt', {}, 'Roles claim'), h('dd', {}, sso.rolesClaim)));
  parts.push(table('Appliance roles granted by the provider\'s roles or groups', ['Appliance role', 'Granted by'],
    Object.entries(sso.roles).map(([role, names]) => [role, names.join(', ') || '—'])));
  parts.push(h('p', {}, 'SSO users and their groups are managed in the provider; a change takes effect at their '
    + 'next sign-in or token. The appliance stores no SSO user, so roles cannot be pre-assigned to a subject here.'));
  return parts;
}
