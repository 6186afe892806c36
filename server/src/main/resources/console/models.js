// Providers and models: the catalogue the gateway routes to (GET /api/v1/llm/models) with capabilities,
// locality and prices, and whether air-gapped mode is on (then only local models are listed and used).
import {api} from './api.js';
import {h, message, table} from './dom.js';

function price(value) {
  return value === 0 ? 'free' : '$' + value.toFixed(2);
}

export async function render(context) {
  const {main} = context;
  main.append(h('h1', {}, 'Providers and models'));
  let answer;
  try {
    answer = await api('GET', '/api/v1/llm/models');
  } catch (e) {
    context.fail(main, e);
    return;
  }
  main.append(h('p', {id: 'air-gapped-state'}, answer.airGapped
    ? 'Air-gapped mode is on: only local models are listed, and no call leaves the network.'
    : 'Air-gapped mode is off: external providers with a key are listed next to the local ones.'));
  if (answer.models.length === 0) {
    main.append(message('ok', 'No model is configured: add a provider (see docs/llm.md).'));
    return;
  }
  const providers = [...new Set(answer.models.map((m) => m.provider))];
  main.append(h('p', {}, providers.length + ' provider(s): ' + providers.join(', ') + '.'));
  main.append(h('div', {id: 'models-list'}, table('Model catalogue (prices in US dollars per million tokens)',
    ['Model', 'Provider', 'Where', 'Capabilities', 'Context', 'Input', 'Output'],
    answer.models.map((m) => [
      m.id,
      m.provider,
      m.local ? 'local' : 'external',
      [m.embeddings ? 'embeddings' : 'chat', m.tools ? 'tools' : '', m.streaming ? 'streaming' : '']
        .filter((c) => c).join(', '),
      m.contextWindow ? m.contextWindow.toLocaleString('en') + ' tokens' : '',
      price(m.inputUsdPerMillion),
      price(m.outputUsdPerMillion),
    ]))));
}
