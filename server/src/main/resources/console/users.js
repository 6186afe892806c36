// Users (admins, superadmins): who can sign in to the tenant and with which roles (GET /api/v1/users) — the local
// (break-glass) users, and how single sign-on users get their roles from the provider's token. SSO users are not
// stored, so the page shows the mapping rather than a list; API tokens are on their own page.
import {api} from './api.js';
import {h, message, table} from './dom.js';

export async function render(context) {
  const {main} = context;
  main.append(h('h1', {}, 'Users and roles'));
  const answer = await api('GET', '/api/v1/users').catch((e) => context.fail(main, e));
  if (!answer) return;
  main.append(h('h2', {}, 'Local users'),
    h('p', {}, 'Users with a password on the appliance itself, for break-glass access. Local login is '
      + (answer.localLoginEnabled ? 'on.' : 'off.')));
  main.append(answer.localUsers.length === 0
    ? message('ok', 'No local user in ' + answer.tenant + '.')
    : table('Local users of ' + answer.tenant, ['User', 'Roles', 'Created'],
      answer.localUsers.map((u) => [u.username, u.roles.join(', '), u.createdAt])));
  main.append(h('h2', {}, 'Single sign-on'));
  if (!answer.sso.configured) {
    main.append(message('info', 'No OIDC provider is configured (auth.issuer): only local users and API tokens '
      + 'sign in.'));
    return;
  }
  main.append(h('dl', {class: 'facts', id: 'sso-facts'},
    h('dt', {}, 'Provider'), h('dd', {}, answer.sso.issuer),
    h('dt', {}, 'Tenant claim'), h('dd', {}, answer.sso.tenantClaim),
    h('dt', {}, 'Roles claim'), h('dd', {}, answer.sso.rolesClaim)));
  main.append(table('Appliance roles granted by the provider\'s roles or groups', ['Appliance role', 'Granted by'],
    Object.entries(answer.sso.roles).map(([role, names]) => [role, names.join(', ') || '—'])));
  main.append(h('p', {}, 'Users and their groups are managed in the provider; a change takes effect at their next '
    + 'sign-in or token.'));
}
