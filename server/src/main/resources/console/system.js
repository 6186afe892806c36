// System (superadmins): version, uptime and storage use per data-dir area (GET /api/v1/system), a backup now
// (POST /api/v1/system/backup) and the redacted support bundle (GET /api/v1/system/support-bundle, a zip).
import {api} from './api.js';
import {h, message, table} from './dom.js';

export async function render(context) {
  const {main} = context;
  main.append(h('h1', {}, 'System'));
  const facts = await api('GET', '/api/v1/system').catch((e) => context.fail(main, e));
  if (!facts) return;
  main.append(h('dl', {class: 'facts', id: 'system-facts'},
    h('dt', {}, 'Version'), h('dd', {}, facts.version),
    h('dt', {}, 'Store schema'), h('dd', {}, String(facts.storeSchemaVersion)),
    h('dt', {}, 'Java'), h('dd', {}, facts.java),
    h('dt', {}, 'Started'), h('dd', {}, facts.startedAt),
    h('dt', {}, 'Uptime'), h('dd', {id: 'system-uptime'}, duration(facts.uptimeSeconds)),
    h('dt', {}, 'Data directory'), h('dd', {}, facts.dataDir),
    h('dt', {}, 'Free space'), h('dd', {}, facts.freeBytes === null ? 'unknown' : bytes(facts.freeBytes))));
  const total = facts.storage.reduce((sum, area) => sum + area.bytes, 0);
  main.append(table('Storage by area (' + bytes(total) + ' in all)', ['Area', 'Size', 'Files'],
    facts.storage.map((area) => [area.area, bytes(area.bytes), area.files.toLocaleString('en')])));

  const backupStatus = h('div', {id: 'backup-status'});
  const backup = h('button', {type: 'button', id: 'backup', onclick: async () => {
    backup.disabled = true;
    backupStatus.replaceChildren(message('info', 'Writing the backup…'));
    try {
      const written = await api('POST', '/api/v1/system/backup');
      backupStatus.replaceChildren(message('ok', 'Backup written to ' + written.directory + ' (' + bytes(written.bytes)
        + ', schema ' + written.schemaVersion + ').'));
    } catch (e) {
      backupStatus.replaceChildren();
      context.fail(backupStatus, e);
    } finally {
      backup.disabled = false;
    }
  }}, 'Back up now');
  main.append(h('section', {'aria-labelledby': 'backup-title'},
    h('h2', {id: 'backup-title'}, 'Backup'),
    h('p', {}, 'A consistent copy of the store (with the vault\'s sealed secrets) and of the audit log, written while '
      + 'the appliance serves, into a new directory under ' + facts.backupDir + '. The master key is not in it: keep '
      + 'it apart. Restore with magicode restore while the appliance is stopped.'),
    h('div', {class: 'actions'}, backup), backupStatus));

  main.append(h('section', {'aria-labelledby': 'bundle-title'},
    h('h2', {id: 'bundle-title'}, 'Support bundle'),
    h('p', {}, 'A zip with the versions, the configuration without its secret values, health, storage, the recent log '
      + 'lines and a thread dump, all passed through the redactor. No source code, vault secrets or audit entries.'),
    h('p', {}, h('a', {class: 'button', id: 'support-bundle', href: '/api/v1/system/support-bundle',
      download: 'magicode-support.zip'}, 'Download the support bundle'))));
}

function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return (unit === 0 ? String(value) : value.toFixed(1)) + ' ' + units[unit];
}

function duration(seconds) {
  const d = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return (d ? d + ' d ' : '') + (d || hours ? hours + ' h ' : '') + m + ' min';
}
