// "My data": any signed-in user exports what the appliance keeps about them (profile and roles, API token metadata,
// sessions, jobs they started, LLM usage, their audit entries), with progress and a one-time download link that
// only they can open. Nothing is called until the button is pressed (an API token has no data of its own).
import {h} from './dom.js';
import {exportControls} from './privacy.js';

export async function render(context) {
  context.main.append(h('h1', {}, 'My data'), exportControls(context, {
    path: '/api/v1/privacy/me/exports',
    prefix: 'my-export',
    section: 'my-export',
    text: 'One zip archive of JSON documents with what the appliance keeps about you: your profile and roles, '
      + 'your API tokens (names and times, never the tokens), your sessions, the jobs you started, your LLM usage '
      + 'and the audit entries where you are the actor. Only you can download it, once, until it expires.',
    button: 'Export my data',
    ready: 'The link works once, for you, until ',
    fileName: 'magicode-my-data.zip',
    link: 'Download my data',
  }));
}
