// The flow graph: a layered layout (left to right) and an SVG drawing with draggable
// nodes, pan and zoom. Steps are nodes; each edge is a topic from an emitter to a
// subscriber, dashed when virtual, labelled with its topic (and label, when it is
// conditional or has one).

import { svg, LANGUAGES, stepLanguage } from './dom.js'

export const NODE_W = 214
export const NODE_H = 64
// Room between layers (where edge labels go) and between nodes of one layer.
const GAPS = { LR: { layer: 130, within: 40 }, TB: { layer: 96, within: 46 } }
const PAD = 40
const STUB_W = 150
const STUB_H = 24
const CHAR_W = 6.7 // the label font is monospace, 11px

/**
 * Positions for every node: saved ones win, the rest come from a layered layout,
 * left to right (LR) or top to bottom (TB).
 */
export function layoutFlow (flow, saved = {}, direction = 'LR') {
  const ids = flow.nodes.map(n => n.id)
  const index = new Map(ids.map((id, i) => [id, i]))
  const succ = new Map(ids.map(id => [id, []]))
  const pred = new Map(ids.map(id => [id, []]))
  for (const e of flow.edges) {
    if (e.source === e.target || !index.has(e.source) || !index.has(e.target)) continue
    succ.get(e.source).push(e.target)
    pred.get(e.target).push(e.source)
  }
  // Depth-first from the roots, in node order; an edge back to a node on the stack
  // closes a cycle and is left out of the layering.
  const state = new Map()
  const forward = new Map(ids.map(id => [id, []]))
  const visit = id => {
    state.set(id, 1)
    for (const next of succ.get(id)) {
      if (state.get(next) === 1) continue
      forward.get(id).push(next)
      if (!state.has(next)) visit(next)
    }
    state.set(id, 2)
  }
  for (const id of ids) if (!pred.get(id).length && !state.has(id)) visit(id)
  for (const id of ids) if (!state.has(id)) visit(id)
  // Longest path from a root gives each node its layer.
  const layer = new Map(ids.map(id => [id, 0]))
  const order = []
  const seen = new Set()
  const topo = id => {
    if (seen.has(id)) return
    seen.add(id)
    for (const next of forward.get(id)) topo(next)
    order.unshift(id)
  }
  for (const id of ids) topo(id)
  for (const id of order) for (const next of forward.get(id)) layer.set(next, Math.max(layer.get(next), layer.get(id) + 1))
  const layers = []
  for (const id of ids) {
    const l = layer.get(id)
    ;(layers[l] = layers[l] || []).push(id)
  }
  // Barycentre sweeps to untangle: down by predecessors, up by successors.
  const pos = new Map()
  const place = () => layers.forEach(ids => ids.forEach((id, i) => pos.set(id, i)))
  place()
  const mean = list => list.length ? list.reduce((a, id) => a + pos.get(id), 0) / list.length : null
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0
    const range = down ? layers.map((_, i) => i).slice(1) : layers.map((_, i) => i).reverse().slice(1)
    for (const l of range) {
      const keyed = layers[l].map((id, i) => {
        const m = mean(down ? pred.get(id) : succ.get(id))
        return [m === null ? i : m, i, id]
      })
      keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1])
      layers[l] = keyed.map(k => k[2])
      place()
    }
  }
  const widest = Math.max(1, ...layers.map(l => (l || []).length))
  const gap = GAPS[direction] || GAPS.LR
  const positions = {}
  layers.forEach((ids, l) => {
    if (direction === 'TB') {
      const offset = ((widest - ids.length) * (NODE_W + gap.within)) / 2
      ids.forEach((id, i) => {
        positions[id] = { x: PAD + offset + i * (NODE_W + gap.within), y: PAD + l * (NODE_H + gap.layer) }
      })
    } else {
      const offset = ((widest - ids.length) * (NODE_H + gap.within)) / 2
      ids.forEach((id, i) => {
        positions[id] = { x: PAD + l * (NODE_W + gap.layer), y: PAD + offset + i * (NODE_H + gap.within) }
      })
    }
  })
  for (const [id, p] of Object.entries(saved || {})) if (positions[id]) positions[id] = { x: p.x, y: p.y }
  return positions
}

function extent (positions) {
  const boxes = Object.values(positions)
  const w = Math.max(...boxes.map(p => p.x + NODE_W)) - Math.min(...boxes.map(p => p.x))
  const h = Math.max(...boxes.map(p => p.y + NODE_H)) - Math.min(...boxes.map(p => p.y))
  return { w: w + 2 * PAD + 200, h: h + 2 * PAD + 90 }
}

/** The direction in which the flow, fitted into a `width` × `height` box, is drawn largest. */
export function chooseDirection (flow, width, height) {
  if (!flow.nodes.length) return 'LR'
  const scale = direction => {
    const e = extent(layoutFlow(flow, {}, direction))
    return Math.min(width / e.w, height / e.h)
  }
  return scale('TB') > scale('LR') * 1.1 ? 'TB' : 'LR'
}

function truncate (text, width) {
  const max = Math.floor(width / CHAR_W)
  return text.length > max ? text.slice(0, Math.max(1, max - 1)) + '…' : text
}

function subtitle (node) {
  if (node.type === 'api') return `${node.method} ${node.apiPath}`
  if (node.type === 'cron') return `cron ${node.cron}`
  if (node.type === 'event') return `← ${node.subscribes.join(', ')}`
  return node.virtualSubscribes.length ? `← (${node.virtualSubscribes.join(', ')})` : 'manual'
}

function bezier (x1, y1, x2, y2, bend = 0, direction = 'LR') {
  let c1, c2
  if (direction === 'TB') {
    const dy = Math.max(50, Math.abs(y2 - y1) / 2)
    c1 = [x1 + bend, y1 + dy]
    c2 = [x2 + bend, y2 - dy]
  } else {
    const dx = Math.max(60, Math.abs(x2 - x1) / 2)
    c1 = [x1 + dx, y1 + bend]
    c2 = [x2 - dx, y2 + bend]
  }
  const mid = [(x1 + 3 * c1[0] + 3 * c2[0] + x2) / 8, (y1 + 3 * c1[1] + 3 * c2[1] + y2) / 8]
  return { d: `M${x1},${y1} C${c1[0]},${c1[1]} ${c2[0]},${c2[1]} ${x2},${y2}`, mid }
}

// Where edges leave a node and reach the next one, by direction.
function outPort (p, direction) {
  return direction === 'TB' ? [p.x + NODE_W / 2, p.y + NODE_H] : [p.x + NODE_W, p.y + NODE_H / 2]
}
function inPort (p, direction) {
  return direction === 'TB' ? [p.x + NODE_W / 2, p.y] : [p.x, p.y + NODE_H / 2]
}

function edgeGeometry (a, b, bend, direction) {
  if (a === b) { // a step that emits to itself: a loop over its top right corner
    const x = a.x + NODE_W - 40
    const y = a.y
    return { d: `M${x},${y} C${x - 10},${y - 70} ${x + 70},${y - 70} ${a.x + NODE_W},${y + NODE_H / 2}`, mid: [x + 25, y - 52] }
  }
  return bezier(...outPort(a, direction), ...inPort(b, direction), bend, direction)
}

function labelLines (edge) {
  const lines = [edge.conditional ? `${edge.topic} ?` : edge.topic]
  if (edge.undeclared) lines.push('not in emits')
  if (edge.label) lines.push(edge.label)
  return lines
}

function label (lines, [x, y], cls) {
  const width = Math.max(...lines.map(l => l.length)) * CHAR_W + 14
  const height = lines.length * 14 + 6
  return svg('g', { class: `edge-label ${cls}`, transform: `translate(${x - width / 2},${y - height / 2})`, dataset: { box: [x - width / 2, y - height / 2, width, height].join(',') } },
    svg('rect', { width, height, rx: 5 }),
    lines.map((line, i) => svg('text', { x: width / 2, y: 14 + i * 14, class: i ? 'sub' : '' }, line)))
}

/**
 * Draw `flow` into `container`. Options: positions (from layoutFlow), onMove(id, {x, y})
 * when a drag ends, onSelect(id) on a click, selected (a node id).
 */
export function drawFlow (container, flow, { positions, direction = 'LR', onMove, onSelect, selected } = {}) {
  const nodesById = new Map(flow.nodes.map(n => [n.id, n]))
  const root = svg('svg', { class: 'flow-graph', role: 'img', 'aria-label': `Flow ${flow.name}` })
  const defs = svg('defs', null,
    svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' })),
    svg('marker', { id: 'arrow-virtual', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow virtual' })))
  const viewport = svg('g', { class: 'viewport' })
  const edgeLayer = svg('g', { class: 'edges' })
  const labelLayer = svg('g', { class: 'labels' })
  const nodeLayer = svg('g', { class: 'nodes' })
  viewport.append(edgeLayer, nodeLayer, labelLayer)
  root.append(defs, viewport)
  container.append(root)

  const nodeEls = new Map()
  let current = selected

  let extras = [] // boxes of labels and stubs, for fitting the view
  function drawEdges () {
    extras = []
    edgeLayer.replaceChildren()
    labelLayer.replaceChildren()
    const pairCount = new Map()
    for (const edge of flow.edges) {
      const a = positions[edge.source]
      const b = positions[edge.target]
      if (!a || !b) continue
      const pair = `${edge.source}>${edge.target}`
      const n = pairCount.get(pair) || 0
      pairCount.set(pair, n + 1)
      const bend = n === 0 ? 0 : (n % 2 ? 1 : -1) * Math.ceil(n / 2) * 34
      const geometry = edgeGeometry(a, b, bend, direction)
      const cls = ['edge', edge.virtual ? 'virtual' : '', edge.conditional ? 'conditional' : '', edge.undeclared ? 'undeclared' : ''].join(' ').trim()
      edgeLayer.append(svg('path', {
        d: geometry.d,
        class: cls,
        'marker-end': edge.virtual ? 'url(#arrow-virtual)' : 'url(#arrow)',
        dataset: { source: edge.source, target: edge.target, topic: edge.topic }
      }))
      const tag = label(labelLines(edge), geometry.mid, [edge.virtual ? 'virtual' : '', edge.conditional ? 'conditional' : ''].join(' ').trim())
      extras.push(tag.dataset.box.split(',').map(Number))
      tag.dataset.topic = edge.topic
      tag.dataset.source = edge.source
      tag.dataset.target = edge.target
      labelLayer.append(tag)
    }
    // Emits that reach no step of this flow, and subscriptions fed from outside it.
    const below = new Map() // how far down the stubs of each node already reach
    for (const u of flow.unconnected || []) {
      const a = positions[u.source]
      if (!a) continue
      const lines = [truncate(`${u.topic}${u.conditional ? ' ?' : ''} → no subscriber`, STUB_W * 1.6)]
      if (u.label) lines.push(truncate(u.label, STUB_W * 1.6))
      const width = Math.max(...lines.map(l => l.length)) * CHAR_W + 16
      const height = lines.length * 15 + 9
      // Beside the node (top to bottom) or below and to the right (left to right), where
      // the edges to the next layer do not run.
      const x = direction === 'TB' ? a.x + NODE_W + 44 : a.x + NODE_W + 56
      const y = (below.get(u.source) ?? (direction === 'TB' ? a.y + NODE_H / 2 + 6 : a.y + NODE_H + 16))
      below.set(u.source, y + height + 8)
      extras.push([x, y, width, height])
      const cls = ['edge', 'dangling', u.virtual ? 'virtual' : '', u.conditional ? 'conditional' : ''].join(' ')
      const d = bezier(a.x + NODE_W, a.y + NODE_H / 2, x, y + height / 2).d
      edgeLayer.append(svg('path', { d, class: cls, 'marker-end': 'url(#arrow-virtual)' }))
      labelLayer.append(svg('g', {
        class: ['stub', u.conditional ? 'conditional' : '', u.virtual ? 'virtual' : ''].join(' ').trim(),
        transform: `translate(${x},${y})`,
        dataset: { topic: u.topic, source: u.source }
      },
      svg('rect', { width, height, rx: 11 }),
      lines.map((line, i) => svg('text', { x: 8, y: 16 + i * 15, class: i ? 'sub' : '' }, line))))
    }
    const inbound = new Map()
    for (const u of flow.inbound || []) {
      const b = positions[u.target]
      if (!b) continue
      const k = inbound.get(u.target) || 0
      inbound.set(u.target, k + 1)
      const text = truncate(`${u.topic} (from outside)`, STUB_W * 1.6)
      const width = text.length * CHAR_W + 14
      const x = direction === 'TB' ? b.x + NODE_W / 2 - width - 24 : b.x - width - 40
      const y = b.y - STUB_H - (direction === 'TB' ? 34 : 10) - k * (STUB_H + 8)
      extras.push([x, y, width, STUB_H])
      const d = direction === 'TB'
        ? bezier(x + width, y + STUB_H / 2, ...inPort(b, direction), 0, 'LR').d
        : bezier(x + width, y + STUB_H / 2, ...inPort(b, direction)).d
      edgeLayer.append(svg('path', { d, class: `edge dangling ${u.virtual ? 'virtual' : ''}`, 'marker-end': 'url(#arrow-virtual)' }))
      labelLayer.append(svg('g', { class: 'stub inbound', transform: `translate(${x},${y})`, dataset: { topic: u.topic, target: u.target } },
        svg('rect', { width, height: STUB_H, rx: 12 }),
        svg('text', { x: 7, y: 16 }, text)))
    }
  }

  function drawNode (node) {
    const p = positions[node.id]
    const lang = LANGUAGES[stepLanguage(node)] || { short: '?', cls: 'other' }
    const g = svg('g', {
      class: `node type-${node.type} lang-${lang.cls}${node.id === current ? ' selected' : ''}`,
      transform: `translate(${p.x},${p.y})`,
      tabindex: 0,
      role: 'button',
      'aria-label': `${node.type} step ${node.name}`,
      dataset: { id: node.id, type: node.type, language: stepLanguage(node) }
    },
    svg('rect', { class: 'body', width: NODE_W, height: NODE_H, rx: 9 }),
    svg('rect', { class: 'stripe', width: 5, height: NODE_H - 12, x: 6, y: 6, rx: 2.5 }),
    svg('text', { class: 'kind', x: 20, y: 19 }, node.type.toUpperCase()),
    svg('g', { class: 'lang-tag', transform: `translate(${NODE_W - 36},7)` },
      svg('rect', { width: 28, height: 16, rx: 4 }),
      svg('text', { x: 14, y: 12 }, lang.short)),
    svg('text', { class: 'name', x: 20, y: 39 }, truncate(node.name, NODE_W - 34)),
    svg('text', { class: 'sub', x: 20, y: 56 }, truncate(subtitle(node), NODE_W - 30)),
    svg('title', null, `${node.name} (${stepLanguage(node)} ${node.type})\n${node.file}`))
    nodeEls.set(node.id, g)
    nodeLayer.append(g)
    attachDrag(g, node.id)
  }

  // Pointer positions in graph coordinates (the viewBox is scaled and panned).
  function toGraph (event) {
    const point = root.createSVGPoint()
    point.x = event.clientX
    point.y = event.clientY
    const matrix = root.getScreenCTM()
    return matrix ? point.matrixTransform(matrix.inverse()) : { x: event.clientX, y: event.clientY }
  }

  function attachDrag (g, id) {
    g.addEventListener('pointerdown', event => {
      if (event.button !== 0) return
      event.stopPropagation()
      const start = toGraph(event)
      const origin = { ...positions[id] }
      let moved = false
      g.setPointerCapture(event.pointerId)
      g.classList.add('dragging')
      const move = e => {
        const p = toGraph(e)
        const dx = p.x - start.x
        const dy = p.y - start.y
        if (!moved && Math.hypot(dx, dy) < 3) return
        moved = true
        positions[id] = { x: Math.round(origin.x + dx), y: Math.round(origin.y + dy) }
        g.setAttribute('transform', `translate(${positions[id].x},${positions[id].y})`)
        drawEdges()
      }
      const up = () => {
        g.removeEventListener('pointermove', move)
        g.removeEventListener('pointerup', up)
        g.removeEventListener('pointercancel', up)
        g.classList.remove('dragging')
        if (moved) {
          if (onMove) onMove(id, positions[id])
        } else {
          select(id)
          if (onSelect) onSelect(id)
        }
      }
      g.addEventListener('pointermove', move)
      g.addEventListener('pointerup', up)
      g.addEventListener('pointercancel', up)
    })
    g.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault()
        select(id)
        if (onSelect) onSelect(id)
      }
    })
  }

  function select (id) {
    current = id
    for (const [nid, el] of nodeEls) el.classList.toggle('selected', nid === id)
  }

  // View box: fit to the content, then pan (drag the background) and zoom (wheel).
  let view = { x: 0, y: 0, w: 800, h: 600 }
  function setView (v) {
    view = v
    root.setAttribute('viewBox', `${v.x} ${v.y} ${v.w} ${v.h}`)
  }
  // Fit the nodes, labels and stubs into the box, never larger than 1.15×.
  function fit () {
    const boxes = Object.entries(positions).filter(([id]) => nodesById.has(id)).map(([, p]) => [p.x, p.y, NODE_W, NODE_H])
    boxes.push(...extras)
    const cw = root.clientWidth || 800
    const ch = root.clientHeight || 600
    if (!boxes.length) { setView({ x: 0, y: 0, w: cw, h: ch }); return }
    const minX = Math.min(...boxes.map(b => b[0])) - 24
    const minY = Math.min(...boxes.map(b => b[1])) - 24
    const maxX = Math.max(...boxes.map(b => b[0] + b[2])) + 24
    const maxY = Math.max(...boxes.map(b => b[1] + b[3])) + 24
    const scale = Math.min(cw / (maxX - minX), ch / (maxY - minY), 1.15)
    const w = cw / scale
    const h = ch / scale
    setView({ x: minX - (w - (maxX - minX)) / 2, y: minY - (h - (maxY - minY)) / 2, w, h })
  }
  root.addEventListener('pointerdown', event => {
    if (event.button !== 0) return
    const start = { x: event.clientX, y: event.clientY }
    const origin = { ...view }
    const scale = view.w / (root.clientWidth || view.w)
    root.setPointerCapture(event.pointerId)
    root.classList.add('panning')
    const move = e => setView({ ...origin, x: origin.x - (e.clientX - start.x) * scale, y: origin.y - (e.clientY - start.y) * scale })
    const up = () => {
      root.removeEventListener('pointermove', move)
      root.removeEventListener('pointerup', up)
      root.classList.remove('panning')
    }
    root.addEventListener('pointermove', move)
    root.addEventListener('pointerup', up)
  })
  root.addEventListener('wheel', event => {
    event.preventDefault()
    const p = toGraph(event)
    const factor = Math.exp(event.deltaY * 0.0015)
    const w = Math.min(20000, Math.max(200, view.w * factor))
    const k = w / view.w
    setView({ x: p.x - (p.x - view.x) * k, y: p.y - (p.y - view.y) * k, w, h: view.h * k })
  }, { passive: false })

  for (const node of flow.nodes) drawNode(node)
  drawEdges()
  fit()

  return {
    element: root,
    direction,
    fit,
    select,
    zoom (factor) {
      const cx = view.x + view.w / 2
      const cy = view.y + view.h / 2
      setView({ x: cx - (view.w * factor) / 2, y: cy - (view.h * factor) / 2, w: view.w * factor, h: view.h * factor })
    },
    setPositions (next) {
      Object.assign(positions, next)
      for (const [id, el] of nodeEls) el.setAttribute('transform', `translate(${positions[id].x},${positions[id].y})`)
      drawEdges()
    }
  }
}
