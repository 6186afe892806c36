// Privacy operations: what the appliance stores (the data inventory), an export of the tenant's data with its
// progress and one-time download link, the tenant's retention settings, user deletion for admins, and tenant
// deletion for the superadmin (typed confirmation, then its progress).
import {api} from './api.js';
import {field, h, message, replace, table} from './dom.js';

/** How often a running export or deletion is polled. */
const POLL_MS = 500;

export async function render(context) {
  const {main, me} = context;
  const isAdmin = me.roles.includes('admin');
  const isSuperadmin = me.roles.includes('superadmin');
  main.append(h('h1', {}, 'Privacy'),
    h('p', {}, 'What the appliance stores about your tenant, an export of all of it, how long it is kept, and deletion.'));
  const inventory = h('section', {id: 'privacy-inventory', 'aria-labelledby': 'privacy-inventory-title'},
    h('h2', {id: 'privacy-inventory-title'}, 'What is stored'));
  main.append(inventory);
  if (isAdmin) {
    main.append(exportSection(context), retentionSection(context), userSection(context));
  }
  if (isSuperadmin) {
    main.append(tenantSection(context));
  }
  try {
    const answer = await api('GET', '/api/v1/privacy/inventory');
    inventory.append(table('Kinds of data, in the order a deletion erases them',
      ['Kind', 'Where', 'Kept', 'Why'],
      answer.kinds.map((kind) => [h('code', {}, kind.kind), kind.where, kind.retention, kind.purpose])));
  } catch (e) {
    context.fail(inventory, e);
  }
}

function exportSection(context) {
  return exportControls(context, {
    path: '/api/v1/privacy/exports',
    prefix: 'export',
    section: 'privacy-export',
    text: 'One zip archive of JSON documents with every kind listed above (secret names, never values). '
      + 'The download link works once, until it expires.',
    button: 'Export the tenant\'s data',
    ready: 'The link works once, until ',
    fileName: 'magicode-export.zip',
    link: 'Download the export',
  });
}

// An export's section: a button that starts one with `POST path`, its progress (polling `path/{id}`), then its
// one-time download link. The elements' ids start with `prefix`; the tenant's export and a user's own export (the
// "My data" page) are both drawn by it.
export function exportControls(context, {path, prefix, section, text, button, ready, fileName, link}) {
  const status = h('div', {id: prefix + '-status', 'aria-live': 'polite'});
  const start = h('button', {type: 'button', id: prefix + '-start'}, button);
  const box = h('section', {id: section, 'aria-labelledby': section + '-title'},
    h('h2', {id: section + '-title'}, 'Export'), h('p', {}, text), start, status);
  start.addEventListener('click', async () => {
    replace(status);
    start.disabled = true;
    try {
      const created = await api('POST', path);
      const progress = h('progress', {id: prefix + '-progress', max: String(created.kinds || 1), value: '0',
        'aria-label': 'Export progress'});
      const line = h('p', {id: prefix + '-state'}, 'Building…');
      status.append(progress, line);
      let current = created;
      while (current.state === 'building') {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        current = await api('GET', path + '/' + encodeURIComponent(created.id));
        progress.max = String(current.kinds || 1);
        progress.value = String(current.kindsDone);
        replace(line, 'Building… ' + current.kindsDone + ' of ' + current.kinds + ' kinds');
      }
      if (current.state === 'ready') {
        replace(line, 'Ready: ' + current.bytes + ' bytes. ' + ready + current.expiresAt + '.');
        status.append(h('a', {id: prefix + '-download', href: created.downloadPath, download: fileName}, link));
      } else {
        replace(line);
        status.append(message('error', 'The export ' + current.state + '; request a new one.'));
      }
    } catch (e) {
      context.fail(status, e);
    } finally {
      start.disabled = false;
    }
  });
  return box;
}

function retentionSection(context) {
  const status = h('div', {id: 'retention-status'});
  const exportHours = field('Export link lifetime (hours, 1–720)',
    {name: 'exportHours', type: 'number', min: '1', max: '720', required: true});
  const usageDays = field('LLM usage records kept (days; 0 keeps them until the tenant is deleted)',
    {name: 'usageDays', type: 'number', min: '0', required: true});
  const notes = h('ul', {id: 'retention-notes'});
  const form = h('form', {id: 'retention-form', 'aria-labelledby': 'privacy-retention-title'},
    h('h2', {id: 'privacy-retention-title'}, 'Retention'),
    exportHours, usageDays, notes, h('button', {type: 'submit'}, 'Save retention'), status);
  async function load() {
    try {
      const settings = await api('GET', '/api/v1/privacy/retention');
      exportHours.input.value = String(settings.exportHours);
      usageDays.input.value = String(settings.usageDays);
      replace(notes, h('li', {}, 'Workspaces: ' + settings.workspaces), h('li', {}, 'Audit log: ' + settings.audit));
    } catch (e) {
      context.fail(status, e);
    }
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(status);
    try {
      await api('PUT', '/api/v1/privacy/retention', {
        exportHours: Number(exportHours.input.value),
        usageDays: Number(usageDays.input.value),
      });
      status.append(message('ok', 'Retention saved.'));
    } catch (e) {
      context.fail(status, e);
    }
  });
  load();
  return form;
}

function userSection(context) {
  const status = h('div', {id: 'user-delete-status'});
  const user = field('User id (as in the audit log, such as local:alice)',
    {name: 'userId', autocomplete: 'off', required: true, maxlength: '256'});
  const confirm = field('Type the user id again to confirm', {name: 'userConfirm', autocomplete: 'off', required: true});
  const form = h('form', {id: 'user-delete-form', 'aria-labelledby': 'privacy-user-title'},
    h('h2', {id: 'privacy-user-title'}, 'Delete a user'),
    h('p', {}, 'Removes the user\'s local account, sessions, API tokens, exports and usage records now; in the audit '
      + 'log their id is erased where they acted, and a tombstone records the deletion.'),
    user, confirm, h('button', {type: 'submit', class: 'danger'}, 'Delete the user'), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(status);
    const id = user.input.value.trim();
    if (id !== confirm.input.value.trim()) {
      status.append(message('error', 'The confirmation does not match the user id.'));
      return;
    }
    try {
      const answer = await api('DELETE', '/api/v1/users/' + encodeURIComponent(id));
      status.append(message('ok', answer.known
        ? 'Deleted ' + answer.user + '.'
        : 'No account of ' + answer.user + ' was found; whatever else was kept about them is erased.'));
      user.input.value = '';
      confirm.input.value = '';
    } catch (e) {
      context.fail(status, e);
    }
  });
  return form;
}

function tenantSection(context) {
  const status = h('div', {id: 'tenant-delete-status', 'aria-live': 'polite'});
  const tenant = field('Tenant', {name: 'tenantName', autocomplete: 'off', required: true});
  const confirm = field('Type the tenant name again to confirm', {name: 'tenantConfirm', autocomplete: 'off',
    required: true});
  const form = h('form', {id: 'tenant-delete-form', 'aria-labelledby': 'privacy-tenant-title'},
    h('h2', {id: 'privacy-tenant-title'}, 'Delete a tenant'),
    h('p', {}, 'Erases every kind of data listed above for the tenant, in that order; only an audit tombstone stays. '
      + 'A deletion survives a restart. You cannot delete the tenant you are signed in to.'),
    tenant, confirm, h('button', {type: 'submit', class: 'danger'}, 'Delete the tenant'), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(status);
    const name = tenant.input.value.trim();
    if (name !== confirm.input.value.trim()) {
      status.append(message('error', 'The confirmation does not match the tenant name.'));
      return;
    }
    try {
      let current = await api('DELETE', '/api/v1/tenants/' + encodeURIComponent(name));
      const line = h('p', {id: 'tenant-delete-state'});
      status.append(line);
      while (current.state === 'running') {
        replace(line, 'Deleting ' + name + '… ' + current.kindsErased + ' of ' + current.kinds + ' kinds erased');
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        current = await api('GET', '/api/v1/privacy/deletions/' + encodeURIComponent(name));
      }
      replace(line, current.state === 'done'
        ? 'Deleted ' + name + ': ' + current.kinds + ' kinds erased.'
        : 'The deletion of ' + name + ' failed (' + (current.error || 'unknown') + '); it is retried at the next start.');
      line.dataset.state = current.state;
    } catch (e) {
      context.fail(status, e);
    }
  });
  return form;
}
