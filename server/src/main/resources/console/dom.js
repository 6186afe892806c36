// Builds DOM nodes. Text is always set as text (never parsed as HTML), so nothing a user, GitHub or the
// API wrote can become markup or script.

/** h('p', {class: 'x', onclick: fn}, 'text', child…) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'value') {
      element.value = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of an element. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A labelled form field; returns the wrapper, the input is its `input` property. */
export function field(label, attributes) {
  const id = attributes.id || 'f-' + attributes.name;
  const input = h(attributes.tag || 'input', {...attributes, tag: undefined, id});
  const wrapper = h('div', {class: 'field'}, h('label', {for: id}, label), input);
  wrapper.input = input;
  return wrapper;
}

/** A status line that screen readers announce. */
export function message(kind, text) {
  return h('p', {class: 'message ' + kind, role: kind === 'error' ? 'alert' : 'status'}, text);
}

/** A table from column titles and rows of cells. */
export function table(caption, columns, rows) {
  return h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', {scope: 'col'}, c)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, row.map((cell) => h('td', {}, cell))))));
}
