// Policies: the routing policy in force, an editor with one JSON box per rule (the server's validation
// errors are shown next to the rule they name), the saved versions, and the dry-run simulator ("repo X,
// task Y, this prompt → which model and why") on POST /api/v1/llm/dry-run.
import {api} from './api.js';
import {field, h, message, replace, table} from './dom.js';

const TASKS = ['edit', 'plan', 'review', 'summarize', 'embed'];
const INVALID = 'The policy is invalid; the active version stays in force. ';

export async function render(context) {
  const {main, me} = context;
  const editor = me.roles.includes('superadmin');
  const simulator = ['superadmin', 'admin', 'operator'].some((role) => me.roles.includes(role));
  main.append(h('h1', {}, 'Routing policy'));
  const status = h('div', {id: 'policy-status', 'aria-live': 'polite'});
  const rules = h('div', {id: 'policy-rules'});
  const versions = h('div', {id: 'policy-versions'});
  main.append(status, rules);

  let policy;
  try {
    policy = await api('GET', '/api/v1/llm/policy');
  } catch (e) {
    context.fail(status, e);
    return;
  }
  let doc;
  try {
    doc = JSON.parse(policy.document);
  } catch (e) {
    doc = {rules: []};
  }
  const boxes = [];
  const extra = {...doc};
  delete extra.rules;

  function drawRules() {
    replace(rules, h('p', {id: 'policy-version'}, policy.version === 0
      ? 'In force: the built-in default (version 0): local models only.'
      : 'In force: version ' + policy.version + '.'));
    if (policy.problem) rules.append(message('error', policy.problem));
    rules.append(h('p', {}, 'Rules are tried in order; the first whose match holds decides; no matching rule denies.'));
    boxes.length = 0;
    doc.rules.forEach((rule, i) => addBox(rule, i));
    const otherId = 'policy-other';
    const other = h('textarea', {id: otherId, class: 'json', rows: 4, readonly: !editor},
      JSON.stringify(extra, null, 2));
    rules.append(h('div', {class: 'field'},
      h('label', {for: otherId}, 'Everything else (budgets)'), other));
    rules.other = other;
    if (editor) {
      rules.append(h('div', {class: 'actions'},
        h('button', {type: 'button', id: 'policy-add', onclick: () => addBox({name: '', match: {}, models: []}, boxes.length)},
          'Add a rule'),
        h('button', {type: 'button', id: 'policy-save', onclick: save}, 'Validate and save')));
    }
  }

  function addBox(rule, i) {
    const id = 'policy-rule-' + (i + 1);
    const errors = h('ul', {class: 'field-errors', id: id + '-errors'});
    const box = h('textarea', {id, class: 'json', rows: 6, readonly: !editor, 'aria-describedby': id + '-errors'},
      JSON.stringify(rule, null, 2));
    const wrapper = h('div', {class: 'field rule', 'data-rule': String(i + 1)},
      h('label', {for: id}, 'Rule ' + (i + 1) + (rule.name ? ' (' + rule.name + ')' : '')), box, errors);
    boxes.push({box, errors});
    const other = rules.querySelector('#policy-other');
    if (other) rules.insertBefore(wrapper, other.parentElement);
    else rules.append(wrapper);
  }

  async function save() {
    replace(status);
    for (const {errors} of boxes) replace(errors);
    const list = [];
    let broken = false;
    boxes.forEach(({box, errors}) => {
      if (box.value.trim() === '') return;
      try {
        list.push(JSON.parse(box.value));
      } catch (e) {
        broken = true;
        errors.append(h('li', {}, 'This rule is not valid JSON: ' + e.message));
      }
    });
    let other = {};
    try {
      other = JSON.parse(rules.other.value || '{}');
    } catch (e) {
      broken = true;
      status.append(message('error', 'Everything else is not valid JSON: ' + e.message));
    }
    if (broken) return;
    try {
      const saved = await api('PUT', '/api/v1/llm/policy', {...other, rules: list});
      status.append(message('ok', 'Saved version ' + saved.version + '; it is in force.'));
      policy = await api('GET', '/api/v1/llm/policy');
      doc = JSON.parse(policy.document);
      drawRules();
      await drawVersions();
    } catch (e) {
      if (e.status !== 400) {
        context.fail(status, e);
        return;
      }
      showErrors(e.detail);
    }
  }

  /** Puts each of the server's messages next to the rule it names ("rule 2 (name): …"), the rest on top. */
  function showErrors(detail) {
    const text = detail.startsWith(INVALID) ? detail.slice(INVALID.length) : detail;
    const general = [];
    for (const problem of text.split('; ')) {
      const named = /^rule (\d+)/.exec(problem);
      const target = named ? boxes[Number(named[1]) - 1] : undefined;
      if (target) {
        target.errors.append(h('li', {}, problem));
        target.box.setAttribute('aria-invalid', 'true');
      } else {
        general.push(problem);
      }
    }
    status.append(message('error', 'The policy was not saved; the version in force stays.'
      + (general.length ? ' ' + general.join('; ') : ' See the errors next to the rules.')));
  }

  async function drawVersions() {
    replace(versions);
    try {
      const answer = await api('GET', '/api/v1/llm/policy/versions');
      versions.append(answer.versions.length === 0
        ? message('ok', 'No version saved yet.')
        : table('Saved versions', ['Version', 'Author', 'Saved', 'In force'], answer.versions.slice().reverse()
          .map((v) => [String(v.version), v.author, v.savedAt, v.version === answer.active ? 'yes' : ''])));
    } catch (e) {
      context.fail(versions, e);
    }
  }

  drawRules();
  main.append(h('h2', {}, 'Versions'), versions);
  await drawVersions();
  if (simulator) drawSimulator(context, main);
}

function drawSimulator(context, main) {
  const repo = field('Repository (owner/name)', {name: 'dry-repo', placeholder: 'acme/shop'});
  const classes = field('Classifications (comma-separated)', {name: 'dry-classifications', placeholder: 'confidential'});
  const task = field('Task', {name: 'dry-task', tag: 'select'});
  for (const t of TASKS) task.input.append(h('option', {value: t}, t));
  const prompt = field('Prompt', {name: 'dry-prompt', tag: 'textarea', rows: 4});
  const result = h('div', {id: 'dry-run-result', 'aria-live': 'polite'});
  const form = h('form', {id: 'dry-run-form'}, repo, classes, task, prompt,
    h('button', {type: 'submit'}, 'Simulate'));
  main.append(h('h2', {}, 'Dry run'),
    h('p', {}, 'Which model would see this call, and why. No model is called.'), form, result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(result);
    let answer;
    try {
      answer = await api('POST', '/api/v1/llm/dry-run', {
        repo: repo.input.value.trim(),
        classifications: classes.input.value.split(',').map((c) => c.trim()).filter((c) => c),
        task: task.input.value,
        prompt: prompt.input.value,
      });
    } catch (e) {
      context.fail(result, e);
      return;
    }
    const facts = h('dl', {class: 'facts', id: 'dry-run-facts'},
      h('dt', {}, 'Decision'), h('dd', {id: 'dry-run-decision'}, answer.decision),
      h('dt', {}, 'Rule'), h('dd', {id: 'dry-run-rule'}, answer.rule || '(none)'),
      h('dt', {}, 'Models, in order'), h('dd', {}, (answer.models || []).join(', ') || '(none)'),
      h('dt', {}, 'Local only'), h('dd', {}, answer.localOnly ? 'yes' : 'no'),
      h('dt', {}, 'Redaction'), h('dd', {}, answer.redaction || ''),
      h('dt', {}, 'Sensitive findings'), h('dd', {}, Object.entries(answer.sensitive || {})
        .map(([kind, count]) => kind + ' × ' + count).join(', ') || 'none'),
      h('dt', {}, 'Reason'), h('dd', {id: 'dry-run-reason'}, answer.reason || ''),
      h('dt', {}, 'Policy version'), h('dd', {}, String(answer.policyVersion)));
    result.append(facts);
  });
}
