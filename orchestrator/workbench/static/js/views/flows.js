// Flows: each flow as a graph; click a step for its config, schemas and file.

import { api } from '../api.js'
import { h, add, replace, empty, typeBadge, languageBadge, stepLanguage, debounce, methodBadge, middlewareList } from '../dom.js'
import { chooseDirection, drawFlow, layoutFlow } from '../graph.js'
import { jsonView } from '../json.js'

function section (title, ...content) {
  return h('section', { class: 'detail-section' }, h('h3', null, title), ...content)
}

function emitsList (emits, virtual) {
  if (!emits.length) return null
  return h('ul', { class: 'plain' }, emits.map(e => h('li', null,
    h('code', null, virtual ? `(${e.topic})` : e.topic),
    e.conditional ? h('span', { class: 'tag conditional' }, 'conditional') : null,
    virtual ? h('span', { class: 'tag virtual' }, 'virtual') : null,
    e.label ? h('span', { class: 'muted' }, ` ${e.label}`) : null)))
}

function stepDetail (node, step, ctx) {
  const config = (step && step.config) || {}
  const schemas = []
  if (config.bodySchema) schemas.push(section('Body schema', jsonView(config.bodySchema)))
  if (config.input) schemas.push(section('Input schema', jsonView(config.input)))
  if (config.responseSchema) schemas.push(section('Response schema', jsonView(config.responseSchema)))
  if (config.queryParams) schemas.push(section('Query parameters', jsonView(config.queryParams)))
  const actions = []
  if (node.type === 'api') actions.push(h('a', { class: 'button small', href: `#/endpoints/${encodeURIComponent(node.name)}` }, 'Try this endpoint'))
  if (node.type === 'cron') actions.push(h('a', { class: 'button small', href: '#/dlq' }, 'Cron schedule'))
  if (node.subscribes.length) actions.push(h('a', { class: 'button small', href: `#/emit?topic=${encodeURIComponent(node.subscribes[0])}` }, `Emit ${node.subscribes[0]}`))
  actions.push(h('a', { class: 'button small ghost', href: `#/logs?step=${encodeURIComponent(node.name)}` }, 'Logs'))
  return h('div', { class: 'detail', dataset: { step: node.name } },
    h('header', null,
      h('h2', null, node.name),
      h('div', { class: 'badges' }, typeBadge(node.type), languageBadge(stepLanguage(node)), h('span', { class: 'muted' }, stepLanguage(node)))),
    node.description ? h('p', { class: 'description' }, node.description) : null,
    h('dl', { class: 'facts' },
      h('dt', null, 'File'), h('dd', null, h('code', { class: 'file-path', title: node.path }, node.file)),
      h('dt', null, 'Trigger'), h('dd', null, node.type === 'api' ? [methodBadge(node.method), ' ', h('code', null, node.apiPath)] : h('code', null, node.trigger || '—')),
      node.middleware?.length ? [h('dt', null, 'Middleware'), h('dd', { class: 'middleware' }, middlewareList(node.middleware))] : null,
      h('dt', null, 'Flows'), h('dd', null, node.flows.join(', ') || '—')),
    h('div', { class: 'actions' }, actions),
    node.emits.length || node.virtualEmits.length ? section('Emits', emitsList(node.emits, false), emitsList(node.virtualEmits, true)) : null,
    node.subscribes.length || node.virtualSubscribes.length
      ? section('Subscribes', h('ul', { class: 'plain' },
        node.subscribes.map(t => h('li', null, h('code', null, t))),
        node.virtualSubscribes.map(t => h('li', null, h('code', null, `(${t})`), h('span', { class: 'tag virtual' }, 'virtual')))))
      : null,
    schemas,
    h('details', { class: 'detail-section' }, h('summary', null, 'Full config'), jsonView(config)))
}

export default {
  async mount (container, params, query, ctx) {
    const [graph, layout, steps, problems] = await Promise.all([
      api('/flows'), api('/workbench/layout'), api('/steps'), api('/problems')
    ])
    const stepsByName = new Map(steps.map(s => [s.name, s]))
    const tabs = h('div', { class: 'tabs', role: 'tablist' })
    const saveState = h('span', { class: 'save-state muted', 'aria-live': 'polite' })
    const toolbar = h('div', { class: 'toolbar' })
    const canvas = h('div', { class: 'graph-area' })
    const detail = h('aside', { class: 'detail-panel' }, empty('Click a step to see its config, schemas and file.'))
    add(container,
      h('header', { class: 'view-head' }, h('h1', null, 'Flows'), tabs, toolbar),
      problems.length
        ? h('div', { class: 'problems' }, h('strong', null, `${problems.length} problem${problems.length > 1 ? 's' : ''}`),
          h('ul', null, problems.map(p => h('li', { class: p.severity }, p.text))))
        : null,
      h('div', { class: 'split' }, canvas, detail),
      h('div', { class: 'legend' },
        h('span', null, h('i', { class: 'line solid' }), 'topic'),
        h('span', null, h('i', { class: 'line dashed' }), 'virtual'),
        h('span', null, h('code', null, 'topic ?'), ' conditional emit'),
        h('span', null, 'Drag a step to move it; positions are saved to ', h('code', null, ctx.info.layoutFile), '. Drag the background to pan, scroll to zoom.')))

    let flowId = null
    let drawing = null
    const save = debounce(async () => {
      saveState.textContent = 'saving…'
      saveState.dataset.state = 'saving'
      try {
        await api('/workbench/layout', { method: 'PUT', body: layout })
        saveState.textContent = `layout saved to ${ctx.info.layoutFile}`
        saveState.dataset.state = 'saved'
      } catch (error) {
        saveState.textContent = `not saved: ${error.message}`
        saveState.dataset.state = 'error'
      }
    }, 250)

    function show (id) {
      const flow = graph.flows.find(f => f.id === id) || graph.flows[0]
      if (!flow) {
        replace(canvas, empty('No steps yet: add step files under steps/ or src/.'))
        return
      }
      flowId = flow.id
      for (const tab of tabs.children) {
        tab.classList.toggle('active', tab.dataset.flow === flowId)
        tab.setAttribute('aria-selected', String(tab.dataset.flow === flowId))
      }
      const stored = layout.flows[flowId]
      // A flow with saved positions keeps the direction they were made in; otherwise the
      // direction that draws it largest in this window.
      const direction = stored ? stored.direction || 'LR' : chooseDirection(flow, canvas.clientWidth || 900, canvas.clientHeight || 600)
      const positions = layoutFlow(flow, stored ? stored.nodes : {}, direction)
      replace(canvas)
      replace(detail, empty('Click a step to see its config, schemas and file.'))
      canvas.dataset.flow = flowId
      canvas.dataset.direction = direction
      drawing = drawFlow(canvas, flow, {
        positions,
        direction,
        onMove (nodeId, position) {
          layout.flows[flowId] = layout.flows[flowId] || { nodes: {}, direction }
          layout.flows[flowId].nodes[nodeId] = position
          save()
        },
        onSelect (nodeId) {
          const node = flow.nodes.find(n => n.id === nodeId)
          replace(detail, stepDetail(node, stepsByName.get(nodeId), ctx))
        }
      })
    }

    replace(tabs, graph.flows.map(f => h('button', {
      class: 'tab', role: 'tab', type: 'button', dataset: { flow: f.id },
      onclick: () => ctx.navigate('flows', f.id)
    }, f.name, h('span', { class: 'count' }, String(f.nodes.length)))))
    replace(toolbar,
      h('button', { type: 'button', class: 'small', onclick: () => drawing && drawing.fit() }, 'Fit'),
      h('button', { type: 'button', class: 'small', title: 'Zoom in', onclick: () => drawing && drawing.zoom(0.8) }, '+'),
      h('button', { type: 'button', class: 'small', title: 'Zoom out', onclick: () => drawing && drawing.zoom(1.25) }, '−'),
      h('button', {
        type: 'button',
        class: 'small ghost',
        onclick: () => {
          delete layout.flows[flowId]
          save()
          show(flowId)
        }
      }, 'Auto layout'),
      saveState)
    show(params[0])
    return {
      // A pending save still runs after the view is left: the positions are not lost.
      update (next) { if (next[0] !== flowId) show(next[0]) }
    }
  }
}
