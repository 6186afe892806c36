// Sign-in: single sign-on through the OIDC provider (when one is configured) and the local break-glass
// login against POST /api/v1/auth/login.
import {api, ApiError} from './api.js';
import {field, h, message} from './dom.js';

export async function render(context) {
  const {main} = context;
  document.title = 'Sign in · MagiCode Appliance';
  if (context.me !== null) {
    context.go('#/dashboard');
    return;
  }
  main.append(h('h1', {}, 'Sign in'));
  if (context.sso) {
    main.append(h('p', {}, h('a', {class: 'button', id: 'sso', href: '/auth/login'}, 'Sign in with SSO')));
  }
  const username = field('Username', {name: 'username', autocomplete: 'username', required: true});
  const password = field('Password', {
    name: 'password', type: 'password', autocomplete: 'current-password', required: true,
  });
  const status = h('div', {id: 'login-status'});
  const form = h('form', {id: 'login-form', 'aria-labelledby': 'local-title'},
    h('h2', {id: 'local-title'}, context.sso ? 'Local (break-glass) login' : 'Local login'),
    username, password, status,
    h('button', {type: 'submit'}, 'Sign in'));
  const remembered = sessionStorage.getItem('magicode.username');
  if (remembered) {
    username.input.value = remembered;
    sessionStorage.removeItem('magicode.username');
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    try {
      const answer = await api('POST', '/api/v1/auth/login', {
        username: username.input.value,
        password: password.input.value,
      });
      password.input.value = '';
      await context.signedIn(answer);
    } catch (e) {
      password.input.value = '';
      if (e instanceof ApiError) status.append(message('error', e.detail));
      else throw e;
    }
  });
  main.append(form,
    h('p', {}, 'Setting the appliance up for the first time? ',
      h('a', {href: '#/setup', id: 'setup-link'}, 'Start the setup wizard'),
      ' with the one-time setup token from the server log.'));
  username.input.focus();
}
